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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.common.tree.LeafNode;
import org.tribuo.common.tree.Node;
import org.tribuo.common.tree.SplitNode;
import org.tribuo.common.tree.TreeModel;
import org.tribuo.ensemble.WeightedEnsembleModel;
import com.google.protobuf.ByteString;

/**
 * Writes a Tribuo decision tree or random forest (classification) as an {@code ai.onnx.ml}
 * TreeEnsembleClassifier followed by a ZipMap, the graph scikit-learn's converter writes: input
 * {@code input} double {@code [N, F]} in the dataset's column order, outputs {@code label} and
 * {@code probabilities} ({@code seq(map(string, float))}).
 *
 * <p>Tribuo can export neither trees nor forests itself. Thresholds are DOUBLE tensors and the
 * input is double: float thresholds change the branch taken for values near a split. Tribuo goes
 * to the greater-than child when {@code x > split}, so each split is {@code BRANCH_LEQ} with the
 * less-or-equal child as the true branch. A forest's leaves carry each member's class
 * distribution divided by the number of members, so the sum is the soft vote Tribuo's
 * {@code FullyWeightedVotingCombiner} makes. Every leaf weighs every class, zeros included (see
 * {@code addTree}).
 */
public final class TreeOnnxExporter {

    public static final String INPUT = "input";
    public static final String LABEL = "label";
    public static final String PROBABILITIES = "probabilities";

    private TreeOnnxExporter() {
    }

    /** The ONNX bytes of {@code model}; {@code featureNames} is the input's column order, {@code classes} the label order. */
    public static byte[] export(Model<Label> model, List<String> featureNames, List<String> classes) {
        List<TreeModel<Label>> trees = members(model);
        Attributes a = new Attributes();
        double weight = 1.0 / trees.size();
        for (int t = 0; t < trees.size(); t++) {
            addTree(a, t, trees.get(t), featureNames, classes, weight);
        }
        TensorProto thresholds = TensorProto.newBuilder().setName("nodes_values").addDims(a.values.size())
                .setDataType(TensorProto.DataType.DOUBLE.getNumber()).addAllDoubleData(a.values).build();
        TensorProto weights = TensorProto.newBuilder().setName("class_weights").addDims(a.weights.size())
                .setDataType(TensorProto.DataType.DOUBLE.getNumber()).addAllDoubleData(a.weights).build();
        NodeProto ensemble = NodeProto.newBuilder().setName("trees").setOpType("TreeEnsembleClassifier")
                .setDomain("ai.onnx.ml").addInput(INPUT).addOutput(LABEL).addOutput("scores")
                .addAttribute(ints("nodes_treeids", a.treeIds))
                .addAttribute(ints("nodes_nodeids", a.nodeIds))
                .addAttribute(ints("nodes_featureids", a.featureIds))
                .addAttribute(strings("nodes_modes", a.modes))
                .addAttribute(tensor("nodes_values_as_tensor", thresholds))
                .addAttribute(ints("nodes_truenodeids", a.trueIds))
                .addAttribute(ints("nodes_falsenodeids", a.falseIds))
                .addAttribute(ints("class_treeids", a.classTreeIds))
                .addAttribute(ints("class_nodeids", a.classNodeIds))
                .addAttribute(ints("class_ids", a.classIds))
                .addAttribute(tensor("class_weights_as_tensor", weights))
                .addAttribute(strings("classlabels_strings", classes))
                .addAttribute(AttributeProto.newBuilder().setName("post_transform")
                        .setType(AttributeProto.AttributeType.STRING)
                        .setS(ByteString.copyFromUtf8("NONE")))
                .build();
        NodeProto zipMap = NodeProto.newBuilder().setName("zipmap").setOpType("ZipMap").setDomain("ai.onnx.ml")
                .addInput("scores").addOutput(PROBABILITIES)
                .addAttribute(strings("classlabels_strings", classes)).build();
        TypeProto mapType = TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder()
                .setKeyType(TensorProto.DataType.STRING.getNumber())
                .setValueType(tensorType(TensorProto.DataType.FLOAT, null))).build();
        GraphProto graph = GraphProto.newBuilder().setName("mlapi-" + (trees.size() == 1 ? "tree" : "forest"))
                .addNode(ensemble).addNode(zipMap)
                .addInput(ValueInfoProto.newBuilder().setName(INPUT)
                        .setType(tensorType(TensorProto.DataType.DOUBLE, (long) featureNames.size())))
                .addOutput(ValueInfoProto.newBuilder().setName(LABEL)
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.STRING.getNumber())
                                .setShape(TensorShapeProto.newBuilder().addDim(batch())))))
                .addOutput(ValueInfoProto.newBuilder().setName(PROBABILITIES)
                        .setType(TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
                                .setElemType(mapType))))
                .build();
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("mlapi").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(15))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .build().toByteArray();
    }

    @SuppressWarnings("unchecked")
    private static List<TreeModel<Label>> members(Model<Label> model) {
        if (model instanceof TreeModel<Label> tree) {
            return List.of(tree);
        }
        if (model instanceof WeightedEnsembleModel<Label> ensemble) {
            List<TreeModel<Label>> trees = new ArrayList<>();
            for (Model<Label> member : ensemble.getModels()) {
                trees.add((TreeModel<Label>) member);
            }
            return trees;
        }
        throw new IllegalArgumentException("not a tree or forest: " + model.getClass().getName());
    }

    private static void addTree(Attributes a, int treeId, TreeModel<Label> tree, List<String> featureNames,
            List<String> classes, double weight) {
        ImmutableFeatureMap features = tree.getFeatureIDMap();
        Deque<Node<Label>> pending = new ArrayDeque<>();
        Deque<Integer> ids = new ArrayDeque<>();
        pending.add(tree.getRoot());
        ids.add(0);
        int nextId = 1;
        while (!pending.isEmpty()) {
            Node<Label> node = pending.poll();
            int id = ids.poll();
            a.treeIds.add((long) treeId);
            a.nodeIds.add((long) id);
            if (node instanceof SplitNode<Label> split) {
                int lessOrEqual = nextId++;
                int greater = nextId++;
                a.featureIds.add((long) featureNames.indexOf(features.get(split.getFeatureID()).getName()));
                a.modes.add("BRANCH_LEQ");
                a.values.add(split.splitValue());
                a.trueIds.add((long) lessOrEqual);
                a.falseIds.add((long) greater);
                pending.add(split.getLessThanOrEqual());
                ids.add(lessOrEqual);
                pending.add(split.getGreaterThan());
                ids.add(greater);
            } else {
                a.featureIds.add(0L);
                a.modes.add("LEAF");
                a.values.add(0.0);
                a.trueIds.add(0L);
                a.falseIds.add(0L);
                Map<String, Label> distribution = ((LeafNode<Label>) node).getDistribution();
                for (int c = 0; c < classes.size(); c++) {
                    // Every class gets a weight, zeros included: ONNX Runtime treats a two-class row
                    // whose second class was never scored as its one-score binary case and writes
                    // [-p, p], so a row every member puts in a pure first-class leaf read P = -1.
                    Label score = distribution.get(classes.get(c));
                    a.classTreeIds.add((long) treeId);
                    a.classNodeIds.add((long) id);
                    a.classIds.add((long) c);
                    a.weights.add(score == null ? 0.0 : score.getScore() * weight);
                }
            }
        }
    }

    private static TensorShapeProto.Dimension batch() {
        return TensorShapeProto.Dimension.newBuilder().setDimParam("N").build();
    }

    private static TypeProto tensorType(TensorProto.DataType type, Long columns) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(batch());
        if (columns != null) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns));
        }
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(type.getNumber());
        if (columns != null) {
            tensor.setShape(shape);
        }
        return TypeProto.newBuilder().setTensorType(tensor).build();
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

    private static AttributeProto tensor(String name, TensorProto value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.TENSOR).setT(value).build();
    }

    /** The TreeEnsembleClassifier's parallel attribute lists, filled tree by tree. */
    private static final class Attributes {
        final List<Long> treeIds = new ArrayList<>();
        final List<Long> nodeIds = new ArrayList<>();
        final List<Long> featureIds = new ArrayList<>();
        final List<String> modes = new ArrayList<>();
        final List<Double> values = new ArrayList<>();
        final List<Long> trueIds = new ArrayList<>();
        final List<Long> falseIds = new ArrayList<>();
        final List<Long> classTreeIds = new ArrayList<>();
        final List<Long> classNodeIds = new ArrayList<>();
        final List<Long> classIds = new ArrayList<>();
        final List<Double> weights = new ArrayList<>();
    }
}
