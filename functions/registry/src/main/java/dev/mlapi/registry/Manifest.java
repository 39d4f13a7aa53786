package dev.mlapi.registry;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything needed to serve one immutable model version, stored beside its files as
 * {@code manifest.json}. Classify, train and predict read models only through this.
 *
 * @param modelFile     the file name (within {@code files}) of the ONNX graph
 * @param files         every stored file with its size and sha256, the model file included
 * @param labels        class labels by output index; empty for regression
 * @param featureNames  tabular models: the input columns, in the order the model expects them
 * @param preprocessing image models: how to turn an image into the input tensor
 */
public record Manifest(
        String name,
        int version,
        ModelKind kind,
        String description,
        String modelFile,
        List<FileEntry> files,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Optional<ImagePreprocessing> preprocessing,
        List<String> labels,
        List<String> featureNames,
        Optional<String> target,
        Map<String, Object> metrics,
        Map<String, Object> parameters,
        String createdBy,
        Instant createdAt) {

    public Manifest {
        files = List.copyOf(files);
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        labels = List.copyOf(labels);
        featureNames = List.copyOf(featureNames);
        metrics = Map.copyOf(metrics);
        parameters = Map.copyOf(parameters);
    }

    public String ref() {
        return name + ":" + version;
    }

    public FileEntry modelFileEntry() {
        return files.stream().filter(f -> f.name().equals(modelFile)).findFirst()
                .orElseThrow(() -> new IllegalStateException("manifest of " + ref() + " lacks its model file"));
    }

    /** A stored file. */
    public record FileEntry(String name, long size, String sha256) {
    }

    /** A model input or output: name, element type ({@code float32}, {@code float16}, {@code float64}, {@code int64}, {@code string}) and shape ({@code -1} = dynamic). */
    public record TensorSpec(String name, String type, List<Long> shape) {
        public TensorSpec {
            shape = List.copyOf(shape);
        }
    }

    /**
     * How an image becomes the input tensor: resize the shorter side to {@code resize}, centre-crop
     * {@code crop}×{@code crop}, order channels ({@code RGB}/{@code BGR}), multiply 0..255 values by
     * {@code scale}, subtract {@code mean} and divide by {@code std} per channel, lay out as
     * {@code NCHW} or {@code NHWC}. {@code outputIsProbability} false means apply softmax.
     */
    public record ImagePreprocessing(int resize, int crop, String colorOrder, double scale, List<Double> mean,
            List<Double> std, String layout, boolean outputIsProbability) {
        public ImagePreprocessing {
            mean = List.copyOf(mean);
            std = List.copyOf(std);
        }

        /** MobileNetV2 and most torchvision models. */
        public static ImagePreprocessing imagenetTorch() {
            return new ImagePreprocessing(256, 224, "RGB", 1.0 / 255, List.of(0.485, 0.456, 0.406),
                    List.of(0.229, 0.224, 0.225), "NCHW", false);
        }
    }
}
