package dev.mlapi.training;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.common.tree.LeafNode;
import org.tribuo.common.tree.Node;
import org.tribuo.common.tree.SplitNode;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.ensemble.WeightedEnsembleModel;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.rtree.IndependentRegressionTreeModel;

/**
 * Writes a Tribuo regression tree or random forest as an {@code ai.onnx.ml} TreeEnsembleRegressor:
 * input {@code input} double {@code [N, F]}, output {@code variable} float {@code [N, 1]} (as
 * scikit-learn's converter names it). Splits as in {@link TreeOnnxExporter} (double thresholds,
 * {@code BRANCH_LEQ}); a forest's leaves carry each member's value over the number of members,
 * summed: the average Tribuo's {@code AveragingCombiner} takes.
 */
public final class TreeRegressorOnnxExporter {

    public static final String VALUE = "variable";

    private TreeRegressorOnnxExporter() {
    }

    public static byte[] export(Model<Regressor> model, List<String> featureNames) {
        List<TreeModel<Regressor>> trees = new ArrayList<>();
        if (model instanceof WeightedEnsembleModel<Regressor> forest) {
            forest.getModels().forEach(m -> trees.add((TreeModel<Regressor>) m));
        } else {
            trees.add((TreeModel<Regressor>) model);
        }
        List<Long> treeIds = new ArrayList<>();
        List<Long> nodeIds = new ArrayList<>();
        List<Long> featureIds = new ArrayList<>();
        List<String> modes = new ArrayList<>();
        List<Double> thresholds = new ArrayList<>();
        List<Long> trueIds = new ArrayList<>();
        List<Long> falseIds = new ArrayList<>();
        List<Long> targetTreeIds = new ArrayList<>();
        List<Long> targetNodeIds = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        double share = 1.0 / trees.size();
        for (int t = 0; t < trees.size(); t++) {
            TreeModel<Regressor> tree = trees.get(t);
            ImmutableFeatureMap features = tree.getFeatureIDMap();
            Deque<Node<Regressor>> pending = new ArrayDeque<>();
            Deque<Integer> ids = new ArrayDeque<>();
            pending.add(root(tree));
            ids.add(0);
            int nextId = 1;
            while (!pending.isEmpty()) {
                Node<Regressor> node = pending.poll();
                int id = ids.poll();
                treeIds.add((long) t);
                nodeIds.add((long) id);
                if (node instanceof SplitNode<Regressor> split) {
                    int lessOrEqual = nextId++;
                    int greater = nextId++;
                    featureIds.add((long) featureNames.indexOf(features.get(split.getFeatureID()).getName()));
                    modes.add("BRANCH_LEQ");
                    thresholds.add(split.splitValue());
                    trueIds.add((long) lessOrEqual);
                    falseIds.add((long) greater);
                    pending.add(split.getLessThanOrEqual());
                    ids.add(lessOrEqual);
                    pending.add(split.getGreaterThan());
                    ids.add(greater);
                } else {
                    featureIds.add(0L);
                    modes.add("LEAF");
                    thresholds.add(0.0);
                    trueIds.add(0L);
                    falseIds.add(0L);
                    targetTreeIds.add((long) t);
                    targetNodeIds.add((long) id);
                    weights.add(((LeafNode<Regressor>) node).getOutput().getValues()[0] * share);
                }
            }
        }
        NodeProto ensemble = NodeProto.newBuilder().setName("trees").setOpType("TreeEnsembleRegressor")
                .setDomain("ai.onnx.ml").addInput(TreeOnnxExporter.INPUT).addOutput(VALUE)
                .addAttribute(ints("nodes_treeids", treeIds))
                .addAttribute(ints("nodes_nodeids", nodeIds))
                .addAttribute(ints("nodes_featureids", featureIds))
                .addAttribute(strings("nodes_modes", modes))
                .addAttribute(doubles("nodes_values_as_tensor", thresholds))
                .addAttribute(ints("nodes_truenodeids", trueIds))
                .addAttribute(ints("nodes_falsenodeids", falseIds))
                .addAttribute(ints("target_treeids", targetTreeIds))
                .addAttribute(ints("target_nodeids", targetNodeIds))
                .addAttribute(ints("target_ids", targetTreeIds.stream().map(x -> 0L).toList()))
                .addAttribute(doubles("target_weights_as_tensor", weights))
                .addAttribute(AttributeProto.newBuilder().setName("n_targets").setType(AttributeProto.AttributeType.INT)
                        .setI(1))
                .addAttribute(AttributeProto.newBuilder().setName("aggregate_function")
                        .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("SUM")))
                .addAttribute(AttributeProto.newBuilder().setName("post_transform")
                        .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8("NONE")))
                .build();
        GraphProto graph = GraphProto.newBuilder().setName("mlapi-regressor").addNode(ensemble)
                .addInput(ValueInfoProto.newBuilder().setName(TreeOnnxExporter.INPUT)
                        .setType(tensor(TensorProto.DataType.DOUBLE, featureNames.size())))
                .addOutput(ValueInfoProto.newBuilder().setName(VALUE).setType(tensor(TensorProto.DataType.FLOAT, 1)))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("mlapi").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(15))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .build().toByteArray();
    }

    /** Tribuo's CART regression keeps one tree per output dimension; there is one dimension here. */
    private static Node<Regressor> root(TreeModel<Regressor> tree) {
        if (tree instanceof IndependentRegressionTreeModel independent) {
            return independent.getRoots().values().iterator().next();
        }
        return tree.getRoot();
    }

    private static TypeProto tensor(TensorProto.DataType type, long columns) {
        return TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder().setElemType(type.getNumber())
                .setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns)))).build();
    }

    private static AttributeProto ints(String name, List<Long> values) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS).addAllInts(values)
                .build();
    }

    private static AttributeProto strings(String name, List<String> values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.STRINGS);
        values.forEach(v -> attribute.addStrings(ByteString.copyFromUtf8(v)));
        return attribute.build();
    }

    private static AttributeProto doubles(String name, List<Double> values) {
        TensorProto tensor = TensorProto.newBuilder().addDims(values.size())
                .setDataType(TensorProto.DataType.DOUBLE.getNumber()).addAllDoubleData(values).build();
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(tensor).build();
    }
}
