package dev.mlapi.inference;

import dev.mlapi.core.testkit.OnnxProto;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes tiny ONNX image classifiers by hand-encoding the protobuf, so the default build can
 * prove loading, caching and classify end to end without any downloaded model (shared with the
 * classify and local tests through this module's test-jar): {@code GlobalAveragePool → Flatten →
 * Gemm(10·I)} over three classes. The mean value of each RGB channel decides the class, so a red
 * image is class 0, green 1, blue 2.
 */
public final class TinyOnnx {

    public static final List<String> LABELS = List.of("red", "green", "blue");

    private static final int FLOAT = 1;
    private static final int FLOAT16 = 10;
    private static final int ATTRIBUTE_INT = 2;

    private TinyOnnx() {
    }

    /** float32 input {@code image [1,3,H,W]} → float32 raw logits {@code logits [1,3]} (softmax left to the caller). */
    public static byte[] logitsModel() {
        OnnxProto graph = new OnnxProto().string(2, "tiny-rgb")
                .message(1, node("pool", "GlobalAveragePool", List.of("image"), "pooled"))
                .message(1, node("flatten", "Flatten", List.of("pooled"), "flat").message(5, intAttribute("axis", 1)))
                .message(1, node("gemm", "Gemm", List.of("flat", "W", "B"), "logits"))
                .message(5, floatTensor("W", new long[] {3, 3}, identityTimes(10)))
                .message(5, floatTensor("B", new long[] {3}, new float[3]))
                .message(11, valueInfo("image", FLOAT, 1, 3, -1, -1))
                .message(12, valueInfo("logits", FLOAT, 1, 3));
        return model(graph);
    }

    /** float16 input {@code image} → float16 probabilities {@code probs [1,3]}: the float16 path of SqueezeNet, in miniature. */
    public static byte[] float16ProbabilityModel() {
        OnnxProto graph = new OnnxProto().string(2, "tiny-rgb-fp16")
                .message(1, node("widen", "Cast", List.of("image"), "image32").message(5, intAttribute("to", FLOAT)))
                .message(1, node("pool", "GlobalAveragePool", List.of("image32"), "pooled"))
                .message(1, node("flatten", "Flatten", List.of("pooled"), "flat").message(5, intAttribute("axis", 1)))
                .message(1, node("gemm", "Gemm", List.of("flat", "W", "B"), "logits"))
                .message(1, node("softmax", "Softmax", List.of("logits"), "probs32").message(5, intAttribute("axis", 1)))
                .message(1, node("narrow", "Cast", List.of("probs32"), "probs").message(5, intAttribute("to", FLOAT16)))
                .message(5, floatTensor("W", new long[] {3, 3}, identityTimes(10)))
                .message(5, floatTensor("B", new long[] {3}, new float[3]))
                .message(11, valueInfo("image", FLOAT16, 1, 3, -1, -1))
                .message(12, valueInfo("probs", FLOAT16, 1, 3));
        return model(graph);
    }

    private static byte[] model(OnnxProto graph) {
        return new OnnxProto()
                .varint(1, 7) // ir_version
                .string(2, "mlapi-tests") // producer_name
                .message(7, graph)
                .message(8, new OnnxProto().string(1, "").varint(2, 13)) // opset_import: ai.onnx 13
                .bytes();
    }

    private static OnnxProto node(String name, String opType, List<String> inputs, String output) {
        OnnxProto node = new OnnxProto();
        inputs.forEach(input -> node.string(1, input));
        return node.string(2, output).string(3, name).string(4, opType);
    }

    private static OnnxProto intAttribute(String name, long value) {
        return new OnnxProto().string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT);
    }

    private static OnnxProto floatTensor(String name, long[] dims, float[] values) {
        OnnxProto tensor = new OnnxProto();
        for (long dim : dims) {
            tensor.varint(1, dim);
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            raw.putFloat(v);
        }
        return tensor.varint(2, FLOAT).string(8, name).raw(9, raw.array());
    }

    /** A tensor value: {@code -1} dimensions are symbolic. */
    private static OnnxProto valueInfo(String name, int elementType, long... dims) {
        OnnxProto shape = new OnnxProto();
        for (int i = 0; i < dims.length; i++) {
            shape.message(1, dims[i] >= 0 ? new OnnxProto().varint(1, dims[i]) : new OnnxProto().string(2, "d" + i));
        }
        OnnxProto tensorType = new OnnxProto().varint(1, elementType).message(2, shape);
        return new OnnxProto().string(1, name).message(2, new OnnxProto().message(1, tensorType));
    }

    private static float[] identityTimes(float factor) {
        float[] w = new float[9];
        w[0] = factor;
        w[4] = factor;
        w[8] = factor;
        return w;
    }

    /** The few protobuf wire types ONNX needs: varint, length-delimited. */
}
