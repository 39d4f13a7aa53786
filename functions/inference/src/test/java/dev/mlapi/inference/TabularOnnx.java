package dev.mlapi.inference;

import dev.mlapi.core.testkit.OnnxProto;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes small tabular ONNX models the way scikit-learn's ONNX converter does, by encoding the
 * protobuf by hand, so predict is proven on models made outside the project: an {@code ai.onnx.ml}
 * TreeEnsembleClassifier followed by a ZipMap of probabilities (string or int64 class labels),
 * and a linear regressor with an {@code [N, 1]} output. Shared with the predict and local tests
 * through this module's test-jar.
 *
 * <p>The classifier is one tree over iris' four features: {@code petal_length <= 2.45} is setosa;
 * else {@code petal_width <= 1.75} is versicolor (0.9, virginica 0.1), else virginica (0.98,
 * versicolor 0.02).
 */
public final class TabularOnnx {

    public static final List<String> IRIS_FEATURES = List.of("sepal_length", "sepal_width", "petal_length",
            "petal_width");
    public static final List<String> IRIS_LABELS = List.of("setosa", "versicolor", "virginica");

    private static final int FLOAT = 1;
    private static final int STRING = 8;
    private static final int INT64 = 7;
    private static final int DOUBLE = 11;
    private static final int ATTR_INT = 2;
    private static final int ATTR_STRING = 3;
    private static final int ATTR_FLOATS = 6;
    private static final int ATTR_INTS = 7;
    private static final int ATTR_STRINGS = 8;

    private TabularOnnx() {
    }

    /** The iris tree with string labels: outputs {@code output_label} (string [N]) and {@code output_probability} (ZipMap). */
    public static byte[] irisTree() {
        return irisTree(false);
    }

    /** The iris tree with int64 class labels 0, 1, 2, as scikit-learn writes a model fitted on encoded targets. */
    public static byte[] irisTreeInt64Labels() {
        return irisTree(true);
    }

    /** {@code value = 2·x0 + 3·x1 + 1} over a double input {@code [N, 2]}, output {@code variable} float [N, 1]. */
    public static byte[] linearRegressor() {
        OnnxProto graph = new OnnxProto().string(2, "linear")
                .message(1, node("cast", "Cast", "", List.of("input"), List.of("input32"))
                        .message(5, intAttribute("to", FLOAT)))
                .message(1, node("matmul", "MatMul", "", List.of("input32", "W"), List.of("product")))
                .message(1, node("add", "Add", "", List.of("product", "B"), List.of("variable")))
                .message(5, floatTensor("W", new long[] {2, 1}, new float[] {2, 3}))
                .message(5, floatTensor("B", new long[] {1}, new float[] {1}))
                .message(11, tensorInfo("input", DOUBLE, -1, 2))
                .message(12, tensorInfo("variable", FLOAT, -1, 1));
        return model(graph);
    }

    private static byte[] irisTree(boolean int64Labels) {
        OnnxProto tree = node("tree", "TreeEnsembleClassifier", "ai.onnx.ml", List.of("input"),
                List.of("output_label", "probabilities"))
                .message(5, ints("nodes_treeids", 0, 0, 0, 0, 0))
                .message(5, ints("nodes_nodeids", 0, 1, 2, 3, 4))
                .message(5, ints("nodes_featureids", 2, 0, 3, 0, 0))
                .message(5, floats("nodes_values", 2.45f, 0, 1.75f, 0, 0))
                .message(5, strings("nodes_modes", "BRANCH_LEQ", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"))
                .message(5, ints("nodes_truenodeids", 1, 0, 3, 0, 0))
                .message(5, ints("nodes_falsenodeids", 2, 0, 4, 0, 0))
                .message(5, ints("class_treeids", 0, 0, 0, 0, 0))
                .message(5, ints("class_nodeids", 1, 3, 3, 4, 4))
                .message(5, ints("class_ids", 0, 1, 2, 1, 2))
                .message(5, floats("class_weights", 1f, 0.9f, 0.1f, 0.02f, 0.98f))
                .message(5, stringAttribute("post_transform", "NONE"))
                .message(5, labels(int64Labels));
        OnnxProto zipMap = node("zipmap", "ZipMap", "ai.onnx.ml", List.of("probabilities"), List.of("output_probability"))
                .message(5, labels(int64Labels));
        OnnxProto mapType = new OnnxProto().varint(1, int64Labels ? INT64 : STRING)
                .message(2, new OnnxProto().message(1, new OnnxProto().varint(1, FLOAT)));
        OnnxProto sequenceOfMaps = new OnnxProto().message(4, new OnnxProto().message(1, new OnnxProto().message(5, mapType)));
        OnnxProto graph = new OnnxProto().string(2, "iris-tree")
                .message(1, tree)
                .message(1, zipMap)
                .message(11, tensorInfo("input", FLOAT, -1, 4))
                .message(12, tensorInfo("output_label", int64Labels ? INT64 : STRING, -1))
                .message(12, new OnnxProto().string(1, "output_probability").message(2, sequenceOfMaps));
        return model(graph);
    }

    private static OnnxProto labels(boolean int64) {
        return int64 ? ints("classlabels_int64s", 0, 1, 2)
                : strings("classlabels_strings", IRIS_LABELS.toArray(String[]::new));
    }

    private static byte[] model(OnnxProto graph) {
        return new OnnxProto()
                .varint(1, 8) // ir_version
                .string(2, "mlapi-tests")
                .message(7, graph)
                .message(8, new OnnxProto().string(1, "").varint(2, 13))
                .message(8, new OnnxProto().string(1, "ai.onnx.ml").varint(2, 1))
                .bytes();
    }

    private static OnnxProto node(String name, String op, String domain, List<String> inputs, List<String> outputs) {
        OnnxProto node = new OnnxProto();
        inputs.forEach(i -> node.string(1, i));
        outputs.forEach(o -> node.string(2, o));
        node.string(3, name).string(4, op);
        if (!domain.isEmpty()) {
            node.string(7, domain);
        }
        return node;
    }

    private static OnnxProto intAttribute(String name, long value) {
        return new OnnxProto().string(1, name).varint(3, value).varint(20, ATTR_INT);
    }

    private static OnnxProto stringAttribute(String name, String value) {
        return new OnnxProto().string(1, name).string(4, value).varint(20, ATTR_STRING);
    }

    private static OnnxProto ints(String name, long... values) {
        OnnxProto packed = new OnnxProto();
        for (long v : values) {
            packed.packed(v);
        }
        return new OnnxProto().string(1, name).raw(8, packed.bytes()).varint(20, ATTR_INTS);
    }

    private static OnnxProto floats(String name, float... values) {
        return new OnnxProto().string(1, name).raw(7, littleEndian(values)).varint(20, ATTR_FLOATS);
    }

    private static OnnxProto strings(String name, String... values) {
        OnnxProto attribute = new OnnxProto().string(1, name);
        for (String v : values) {
            attribute.string(9, v);
        }
        return attribute.varint(20, ATTR_STRINGS);
    }

    private static OnnxProto floatTensor(String name, long[] dims, float[] values) {
        OnnxProto tensor = new OnnxProto();
        for (long d : dims) {
            tensor.varint(1, d);
        }
        return tensor.varint(2, FLOAT).string(8, name).raw(9, littleEndian(values));
    }

    /** A tensor value info; a negative dimension is the symbolic batch dimension {@code N}. */
    private static OnnxProto tensorInfo(String name, int elementType, long... dims) {
        OnnxProto shape = new OnnxProto();
        for (long d : dims) {
            shape.message(1, d < 0 ? new OnnxProto().string(2, "N") : new OnnxProto().varint(1, d));
        }
        OnnxProto tensor = new OnnxProto().varint(1, elementType).message(2, shape);
        return new OnnxProto().string(1, name).message(2, new OnnxProto().message(1, tensor));
    }

    private static byte[] littleEndian(float[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }
}
