package dev.mlapi.registry;

import dev.mlapi.core.testkit.OnnxProto;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Test data for the model registry: tiny but well-formed ONNX models written with a minimal
 * protobuf encoder, and the shared real models when this machine has them.
 */
public final class TestModels {

    private static final String[] TYPES = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32",
        "int64", "string", "bool", "float16", "float64"};

    private TestModels() {
    }

    /** An ONNX model with one float32 input {@code [-1, features]} and one float32 output {@code [-1, classes]}. */
    public static byte[] tabular(int features, int classes) {
        return onnx(List.of(new TensorSpec("input", "float32", List.of(-1L, (long) features))),
                List.of(new TensorSpec("probabilities", "float32", List.of(-1L, (long) classes))), List.of());
    }

    /** An ONNX model (graph without nodes) with these inputs, outputs and initializer names. */
    public static byte[] onnx(List<TensorSpec> inputs, List<TensorSpec> outputs, List<String> initializers) {
        OnnxProto graph = new OnnxProto();
        graph.string(2, "test-graph");
        initializers.forEach(name -> graph.message(5, new OnnxProto().varint(1, 1).varint(2, 1).string(8, name)));
        inputs.forEach(i -> graph.message(11, valueInfo(i)));
        outputs.forEach(o -> graph.message(12, valueInfo(o)));
        return new OnnxProto().varint(1, 8).string(2, "mlapi-tests").message(7, graph)
                .message(8, new OnnxProto().string(1, "").varint(2, 13)).bytes();
    }

    private static OnnxProto valueInfo(TensorSpec spec) {
        OnnxProto shape = new OnnxProto();
        for (long dim : spec.shape()) {
            shape.message(1, dim < 0 ? new OnnxProto().string(2, "N") : new OnnxProto().varint(1, dim));
        }
        OnnxProto tensor = new OnnxProto().varint(1, List.of(TYPES).indexOf(spec.type())).message(2, shape);
        return new OnnxProto().string(1, spec.name()).message(2, new OnnxProto().message(1, tensor));
    }

    /** {@code ../shared/models} beside the project checkout, if this machine has it. */
    public static Optional<Path> sharedModels() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("shared").resolve("models");
            if (Files.isRegularFile(candidate.resolve("mobilenetv2-12-int8.onnx"))) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
