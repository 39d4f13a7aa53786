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
import java.util.List;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.Model;
import org.tribuo.classification.Label;
import org.tribuo.common.sgd.AbstractLinearSGDModel;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.regression.Regressor;
import org.tribuo.transform.TransformerMap;
import org.tribuo.transform.TransformedModel;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Output;

/**
 * Writes a standardised Tribuo linear model ({@link Algorithm#LOGISTIC_REGRESSION},
 * {@link Algorithm#LINEAR_REGRESSION}) as plain ONNX operators in double precision, with the
 * standardisation folded into the weights so raw CSV features go in: {@code input} double
 * {@code [N, F]} in the dataset's column order; a classifier gives {@code label} (the most
 * probable class, taken from the probabilities) and {@code probabilities}
 * ({@code seq(map(string, float))} through a ZipMap, as {@link TreeOnnxExporter}); a regressor
 * gives {@code variable} float {@code [N, 1]}, as {@link TreeRegressorOnnxExporter}.
 *
 * <p>Why not Tribuo's own export: it expects features in Tribuo's sorted-name order and cannot
 * export the standardisation around the model. Each feature's transformation is affine,
 * {@code z = a·x + b}, so {@code w·z + bias = (w·a)·x + (bias + w·b)}.
 */
public final class LinearOnnxExporter {

    private LinearOnnxExporter() {
    }

    /** The ONNX bytes of a standardised logistic regression; {@code classes} is the label order. */
    public static byte[] export(Model<Label> model, List<String> featureNames, List<String> classes) {
        Folded folded = fold(model, featureNames, classes.stream().map(Label::new).toList());
        NodeProto[] nodes = {
            node("MatMul", "linear", List.of(TreeOnnxExporter.INPUT, "weights"), "logits_raw"),
            node("Add", "bias", List.of("logits_raw", "biases"), "logits"),
            node("Softmax", "softmax", List.of("logits"), "probabilities_double").toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                            .setI(1)).build(),
            // the label comes from the probabilities themselves (never a second computation that could disagree)
            node("ArgMax", "argmax", List.of("probabilities_double"), "label_index").toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                            .setI(1))
                    .addAttribute(AttributeProto.newBuilder().setName("keepdims")
                            .setType(AttributeProto.AttributeType.INT).setI(0)).build(),
            node("Gather", "label", List.of("class_names", "label_index"), TreeOnnxExporter.LABEL),
            node("Cast", "to_float", List.of("probabilities_double"), "scores").toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(TensorProto.DataType.FLOAT.getNumber())).build(),
            NodeProto.newBuilder().setName("zipmap").setOpType("ZipMap").setDomain("ai.onnx.ml").addInput("scores")
                    .addOutput(TreeOnnxExporter.PROBABILITIES)
                    .addAttribute(strings("classlabels_strings", classes)).build(),
        };
        TensorProto.Builder names = TensorProto.newBuilder().setName("class_names").addDims(classes.size())
                .setDataType(TensorProto.DataType.STRING.getNumber());
        classes.forEach(c -> names.addStringData(ByteString.copyFromUtf8(c)));
        TypeProto mapType = TypeProto.newBuilder().setMapType(TypeProto.Map.newBuilder()
                .setKeyType(TensorProto.DataType.STRING.getNumber())
                .setValueType(tensorType(TensorProto.DataType.FLOAT, null))).build();
        GraphProto graph = graph("mlapi-logistic-regression", folded, nodes)
                .addInitializer(names)
                .addOutput(ValueInfoProto.newBuilder().setName(TreeOnnxExporter.LABEL)
                        .setType(TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
                                .setElemType(TensorProto.DataType.STRING.getNumber())
                                .setShape(TensorShapeProto.newBuilder().addDim(batch())))))
                .addOutput(ValueInfoProto.newBuilder().setName(TreeOnnxExporter.PROBABILITIES)
                        .setType(TypeProto.newBuilder().setSequenceType(TypeProto.Sequence.newBuilder()
                                .setElemType(mapType))))
                .build();
        return model(graph);
    }

    /** The ONNX bytes of a standardised linear regression. */
    public static byte[] exportRegressor(Model<Regressor> model, List<String> featureNames) {
        String target = model.getOutputIDInfo().getDomain().iterator().next().getNames()[0];
        Folded folded = fold(model, featureNames, List.of(new Regressor(target, Double.NaN)));
        NodeProto[] nodes = {
            node("MatMul", "linear", List.of(TreeOnnxExporter.INPUT, "weights"), "value_raw"),
            node("Add", "bias", List.of("value_raw", "biases"), "value_double"),
            node("Cast", "to_float", List.of("value_double"), TreeRegressorOnnxExporter.VALUE).toBuilder()
                    .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                            .setI(TensorProto.DataType.FLOAT.getNumber())).build(),
        };
        GraphProto graph = graph("mlapi-linear-regression", folded, nodes)
                .addOutput(ValueInfoProto.newBuilder().setName(TreeRegressorOnnxExporter.VALUE)
                        .setType(tensorType(TensorProto.DataType.FLOAT, 1L)))
                .build();
        return model(graph);
    }

    /**
     * Weights {@code [F][K]} in {@code featureNames} order and biases {@code [K]} in
     * {@code outputs} order, the standardisation folded in.
     */
    record Folded(double[][] weights, double[] biases) {
    }

    @SuppressWarnings("unchecked")
    static <T extends Output<T>> Folded fold(Model<T> model, List<String> featureNames, List<T> outputs) {
        if (!(model instanceof TransformedModel<T> transformed)
                || !(transformed.getInnerModel() instanceof AbstractLinearSGDModel<?> linear)) {
            throw new IllegalArgumentException("not a standardised linear model: " + model.getClass().getName());
        }
        TransformerMap transformers = transformed.getTransformerMap();
        ImmutableFeatureMap ids = linear.getFeatureIDMap();
        DenseMatrix w = linear.getWeightsCopy();
        int bias = w.getDimension2Size() - 1;
        double[][] weights = new double[featureNames.size()][outputs.size()];
        double[] biases = new double[outputs.size()];
        for (int k = 0; k < outputs.size(); k++) {
            int row = ((ImmutableOutputInfo<T>) linear.getOutputIDInfo()).getID(outputs.get(k));
            if (row < 0) {
                throw new IllegalArgumentException("the model has no output " + outputs.get(k));
            }
            biases[k] = w.get(row, bias);
            for (int j = 0; j < featureNames.size(); j++) {
                String name = featureNames.get(j);
                int column = ids.getID(name);
                if (column < 0) {
                    continue; // a feature the model never saw has no weight
                }
                var list = transformers.get(name);
                double offset = list == null ? 0 : TransformerMap.applyTransformerList(0, list);
                double scale = list == null ? 1 : TransformerMap.applyTransformerList(1, list) - offset;
                weights[j][k] = w.get(row, column) * scale;
                biases[k] += w.get(row, column) * offset;
            }
        }
        return new Folded(weights, biases);
    }

    private static GraphProto.Builder graph(String name, Folded folded, NodeProto[] nodes) {
        int features = folded.weights().length;
        int outputs = folded.biases().length;
        TensorProto.Builder weights = TensorProto.newBuilder().setName("weights").addDims(features).addDims(outputs)
                .setDataType(TensorProto.DataType.DOUBLE.getNumber());
        for (double[] row : folded.weights()) {
            for (double v : row) {
                weights.addDoubleData(v);
            }
        }
        TensorProto.Builder biases = TensorProto.newBuilder().setName("biases").addDims(outputs)
                .setDataType(TensorProto.DataType.DOUBLE.getNumber());
        for (double v : folded.biases()) {
            biases.addDoubleData(v);
        }
        GraphProto.Builder graph = GraphProto.newBuilder().setName(name).addInitializer(weights).addInitializer(biases)
                .addInput(ValueInfoProto.newBuilder().setName(TreeOnnxExporter.INPUT)
                        .setType(tensorType(TensorProto.DataType.DOUBLE, (long) features)));
        for (NodeProto node : nodes) {
            graph.addNode(node);
        }
        return graph;
    }

    private static byte[] model(GraphProto graph) {
        return ModelProto.newBuilder().setIrVersion(8).setProducerName("mlapi").setGraph(graph)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(15))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("ai.onnx.ml").setVersion(3))
                .build().toByteArray();
    }

    private static NodeProto node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setName(name).setOpType(op).addAllInput(inputs).addOutput(output).build();
    }

    private static TensorShapeProto.Dimension batch() {
        return TensorShapeProto.Dimension.newBuilder().setDimParam("N").build();
    }

    private static TypeProto tensorType(TensorProto.DataType type, Long columns) {
        TypeProto.Tensor.Builder tensor = TypeProto.Tensor.newBuilder().setElemType(type.getNumber());
        if (columns != null) {
            tensor.setShape(TensorShapeProto.newBuilder().addDim(batch())
                    .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns)));
        }
        return TypeProto.newBuilder().setTensorType(tensor).build();
    }

    private static AttributeProto strings(String name, List<String> values) {
        AttributeProto.Builder attribute = AttributeProto.newBuilder().setName(name)
                .setType(AttributeProto.AttributeType.STRINGS);
        values.forEach(v -> attribute.addStrings(ByteString.copyFromUtf8(v)));
        return attribute.build();
    }
}
