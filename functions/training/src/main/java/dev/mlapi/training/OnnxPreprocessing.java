package dev.mlapi.training;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts a table's encoding in front of an exported model, so the graph takes the raw row and every
 * caller gets the encoding the model was trained with ({@link TableSchema}):
 * <ul>
 * <li>input {@code numeric} double {@code [N, Cn]} (numeric columns, then four parts per date
 *     column, in column order; NaN for a blank): {@code IsNaN} + {@code Where} put each column's
 *     training median in place of a NaN (the {@code ai.onnx.ml} Imputer would do it in float only
 *     in ONNX Runtime, and the tree thresholds are double);</li>
 * <li>input {@code text} string {@code [N, Ct]} (the categorical columns in column order, {@code ""}
 *     for a blank): per column {@code Gather} → {@code LabelEncoder} (each category to itself, the
 *     blank tokens to the most frequent category, anything else to {@code __unknown__}) →
 *     {@code OneHotEncoder} ({@code zeros=1}: an unknown category is all zeros) → {@code Cast} to double;</li>
 * <li>{@code Concat} in {@link TableSchema#encodedNames()} order into what the model's own nodes read.</li>
 * </ul>
 * A table without text columns keeps the single input {@code input} (then {@code [N, Cn]}, NaN
 * for a blank). ONNX has no date parsing: the caller sends a date as its four parts.
 */
public final class OnnxPreprocessing {

    public static final String NUMERIC = "numeric";
    public static final String TEXT = "text";
    public static final String UNKNOWN = "__unknown__";
    /** The blank spellings the graph's text input maps to the most frequent category. */
    static final List<String> BLANK_TOKENS = List.of("", "NA", "na", "Na", "NaN", "nan", "NAN", "null", "Null",
            "NULL", "None", "none", "NONE");
    private static final String ENCODED = "encoded_features";

    private OnnxPreprocessing() {
    }

    /** The name of the graph's numeric input for {@code schema}. */
    public static String numericInput(TableSchema schema) {
        return schema.hasText() ? NUMERIC : TreeOnnxExporter.INPUT;
    }

    /** {@code onnx} (a model reading {@code input} double {@code [N, F]} of encoded features) with the encoding in front. */
    public static byte[] wrap(byte[] onnx, TableSchema schema) {
        if (schema.plain()) {
            return onnx;
        }
        ModelProto model;
        try {
            model = ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the export is not an ONNX model", e);
        }
        GraphProto old = model.getGraph();
        GraphProto.Builder graph = old.toBuilder().clearNode().clearInput();
        List<NodeProto> nodes = new ArrayList<>();
        List<String> pieces = new ArrayList<>();
        int numericWidth = schema.numericWidth();
        String numericName = numericInput(schema);
        if (numericWidth > 0) {
            graph.addInput(input(numericName, TensorProto.DataType.DOUBLE, numericWidth));
            TensorProto.Builder medians = TensorProto.newBuilder().setName("impute_medians").addDims(numericWidth)
                    .setDataType(TensorProto.DataType.DOUBLE.getNumber());
            for (double v : schema.numericImpute()) {
                medians.addDoubleData(v);
            }
            graph.addInitializer(medians);
            nodes.add(node("IsNaN", "blank_numbers", List.of(numericName), "numeric_blank").build());
            nodes.add(node("Where", "impute_numbers", List.of("numeric_blank", "impute_medians", numericName),
                    "numeric_imputed").build());
            pieces.add("numeric_imputed");
        }
        List<TableSchema.Column> text = schema.textColumns();
        if (!text.isEmpty()) {
            graph.addInput(input(TEXT, TensorProto.DataType.STRING, text.size()));
            for (int t = 0; t < text.size(); t++) {
                TableSchema.Column column = text.get(t);
                String p = "text" + t;
                graph.addInitializer(TensorProto.newBuilder().setName(p + "_index")
                        .setDataType(TensorProto.DataType.INT64.getNumber()).addInt64Data(t));
                nodes.add(node("Gather", p + "_gather", List.of(TEXT, p + "_index"), p + "_raw")
                        .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                                .setI(1)).build());
                List<String> keys = new ArrayList<>(column.categories());
                List<String> values = new ArrayList<>(column.categories());
                for (String blank : BLANK_TOKENS) {
                    if (!keys.contains(blank)) {
                        keys.add(blank);
                        values.add(column.mode());
                    }
                }
                nodes.add(node("LabelEncoder", p + "_impute", List.of(p + "_raw"), p + "_imputed").setDomain("ai.onnx.ml")
                        .addAttribute(strings("keys_strings", keys))
                        .addAttribute(strings("values_strings", values))
                        .addAttribute(AttributeProto.newBuilder().setName("default_string")
                                .setType(AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(UNKNOWN)))
                        .build());
                nodes.add(node("OneHotEncoder", p + "_onehot", List.of(p + "_imputed"), p + "_float")
                        .setDomain("ai.onnx.ml")
                        .addAttribute(strings("cats_strings", column.categories()))
                        .addAttribute(AttributeProto.newBuilder().setName("zeros").setType(AttributeProto.AttributeType.INT)
                                .setI(1))
                        .build());
                nodes.add(node("Cast", p + "_double", List.of(p + "_float"), p + "_encoded")
                        .addAttribute(AttributeProto.newBuilder().setName("to").setType(AttributeProto.AttributeType.INT)
                                .setI(TensorProto.DataType.DOUBLE.getNumber())).build());
                pieces.add(p + "_encoded");
            }
        }
        nodes.add(node("Concat", "encode", pieces, ENCODED)
                .addAttribute(AttributeProto.newBuilder().setName("axis").setType(AttributeProto.AttributeType.INT)
                        .setI(1)).build());
        for (NodeProto n : old.getNodeList()) {
            NodeProto.Builder b = n.toBuilder().clearInput();
            for (String in : n.getInputList()) {
                b.addInput(in.equals(TreeOnnxExporter.INPUT) ? ENCODED : in);
            }
            nodes.add(b.build());
        }
        graph.addAllNode(nodes);
        return model.toBuilder().setGraph(graph).build().toByteArray();
    }

    private static NodeProto.Builder node(String op, String name, List<String> inputs, String output) {
        return NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(output);
    }

    private static AttributeProto strings(String name, List<String> values) {
        AttributeProto.Builder b = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRINGS);
        values.forEach(v -> b.addStrings(ByteString.copyFromUtf8(v)));
        return b.build();
    }

    private static ValueInfoProto input(String name, TensorProto.DataType type, long columns) {
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(TensorShapeProto.newBuilder()
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"))
                        .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(columns))))).build();
    }
}
