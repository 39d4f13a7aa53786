package dev.mlapi.classify;

import dev.mlapi.inference.TinyOnnx;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistryWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Manifests of the models the tests use: the generated tiny ones and the real ones in {@code shared/models}. */
public final class TestModels {

    /** The tiny models' preprocessing: channel means in [0, 1], nothing else. */
    public static final ImagePreprocessing TINY = new ImagePreprocessing(40, 32, "RGB", 1.0 / 255, List.of(0.0, 0.0, 0.0),
            List.of(1.0, 1.0, 1.0), "NCHW", false);
    public static final ImagePreprocessing TINY_FP16 = new ImagePreprocessing(40, 32, "RGB", 1.0 / 255,
            List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), "NCHW", true);
    /** The tiny models' preprocessing with the channels swapped: red reads as blue. */
    public static final ImagePreprocessing TINY_BGR = new ImagePreprocessing(40, 32, "BGR", 1.0 / 255,
            List.of(0.0, 0.0, 0.0), List.of(1.0, 1.0, 1.0), "NCHW", false);
    /** SqueezeNet 1.1 (Caffe2): BGR, 0..255, means in B, G, R order, already probabilities. */
    public static final ImagePreprocessing CAFFE = new ImagePreprocessing(256, 224, "BGR", 1.0, List.of(104.0, 117.0, 123.0),
            List.of(1.0, 1.0, 1.0), "NCHW", true);

    private TestModels() {
    }

    /** A model version: its manifest and the bytes of each file. */
    public record Model(Manifest manifest, Map<String, byte[]> files) {
        public byte[] modelBytes() {
            return files.get(manifest.modelFile());
        }
    }

    public static Model tiny(String name, int version) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, TinyOnnx.logitsModel(),
                List.of(new TensorSpec("image", "float32", List.of(1L, 3L, -1L, -1L))),
                List.of(new TensorSpec("logits", "float32", List.of(1L, 3L))), Optional.of(TINY), TinyOnnx.LABELS);
    }

    public static Model tiny(String name, int version, ImagePreprocessing preprocessing) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, TinyOnnx.logitsModel(),
                List.of(new TensorSpec("image", "float32", List.of(1L, 3L, -1L, -1L))),
                List.of(new TensorSpec("logits", "float32", List.of(1L, 3L))), Optional.of(preprocessing), TinyOnnx.LABELS);
    }

    public static Model tinyFloat16(String name, int version) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, TinyOnnx.float16ProbabilityModel(),
                List.of(new TensorSpec("image", "float16", List.of(1L, 3L, -1L, -1L))),
                List.of(new TensorSpec("probs", "float16", List.of(1L, 3L))), Optional.of(TINY_FP16), TinyOnnx.LABELS);
    }

    /** The tiny graph declared with a fixed 64×64 input while its preprocessing crops 32×32. */
    public static Model mismatched(String name, int version) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, TinyOnnx.logitsModel(),
                List.of(new TensorSpec("image", "float32", List.of(1L, 3L, 64L, 64L))),
                List.of(new TensorSpec("logits", "float32", List.of(1L, 3L))), Optional.of(TINY), TinyOnnx.LABELS);
    }

    public static Model tabular(String name, int version) {
        return model(name, version, ModelKind.TABULAR, TinyOnnx.logitsModel(), List.of(), List.of(), Optional.empty(),
                List.of());
    }

    public static Model mobileNet(Path shared, String name, int version) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, read(shared.resolve("models/mobilenetv2-12-int8.onnx")),
                List.of(new TensorSpec("input", "float32", List.of(-1L, 3L, 224L, 224L))),
                List.of(new TensorSpec("output", "float32", List.of(-1L, 1000L))),
                Optional.of(ImagePreprocessing.imagenetTorch()), imagenetLabels(shared));
    }

    public static Model squeezeNet(Path shared, String name, int version) {
        return model(name, version, ModelKind.IMAGE_CLASSIFIER, read(shared.resolve("models/squeezenet1.1-caffe2_fp16.onnx")),
                List.of(new TensorSpec("data_0", "float16", List.of(1L, 3L, 224L, 224L))),
                List.of(new TensorSpec("softmaxout_1", "float16", List.of(1L, 1000L, 1L, 1L))),
                Optional.of(CAFFE), imagenetLabels(shared));
    }

    /** ImageNet labels: the first name after the WordNet id of each synset line ({@code tabby}). */
    public static List<String> imagenetLabels(Path shared) {
        try {
            return Files.readAllLines(shared.resolve("models/imagenet-synset.txt")).stream()
                    .map(line -> line.substring(line.indexOf(' ') + 1).split(",")[0].trim())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Registers {@code model} as the next version of its name in a real registry. With
     * {@code readSignature} the registry reads inputs and outputs from the ONNX graph itself.
     */
    public static Manifest register(ModelRegistryWriter registry, Model model, boolean readSignature) {
        Manifest m = model.manifest();
        ModelRegistration.Builder registration = ModelRegistration.builder()
                .setName(m.name())
                .setKind(m.kind())
                .setModelFile(m.modelFile())
                .setCreatedBy("tests")
                .optDescription(m.description())
                .optLabels(m.labels());
        m.preprocessing().ifPresent(registration::optPreprocessing);
        if (!readSignature) {
            registration.optInputs(m.inputs()).optOutputs(m.outputs());
        }
        List<ModelFile> files = model.files().entrySet().stream()
                .map(e -> new ModelFile(e.getKey(), e.getValue())).toList();
        return registry.register(registration.build(), files);
    }

    static Model model(String name, int version, ModelKind kind, byte[] onnx, List<TensorSpec> inputs,
            List<TensorSpec> outputs, Optional<ImagePreprocessing> preprocessing, List<String> labels) {
        String file = "model.onnx";
        Manifest manifest = new Manifest(name, version, kind, "test model", file,
                List.of(new FileEntry(file, onnx.length, ModelFile.sha256Hex(onnx))), inputs, outputs, preprocessing,
                labels, List.of(), Optional.empty(), Map.of(), Map.of(), "tests", Instant.parse("2026-01-01T00:00:00Z"));
        return new Model(manifest, Map.of(file, onnx));
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
