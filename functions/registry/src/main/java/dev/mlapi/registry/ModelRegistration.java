package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a caller says about a new model version, before the registry gives it a number: the
 * manifest minus version, file list and timestamps. Built with {@link #builder()}; invalid values
 * are a 400 naming the field.
 *
 * <p>Left empty, {@code inputs}/{@code outputs} are read from the ONNX graph, {@code labels} from
 * {@code labelsFile} (or, for image classifiers, an artifact named {@code labels.txt} or
 * {@code synset.txt}, else the only text artifact, else the one text artifact with a line per
 * class of the output; see {@code ManifestFactory}), and an image classifier's {@code preprocessing} defaults to
 * {@link ImagePreprocessing#imagenetTorch()}.
 */
public record ModelRegistration(
        String name,
        ModelKind kind,
        String description,
        String modelFile,
        List<TensorSpec> inputs,
        List<TensorSpec> outputs,
        Optional<ImagePreprocessing> preprocessing,
        List<String> labels,
        Optional<String> labelsFile,
        List<String> featureNames,
        Optional<String> target,
        Map<String, Object> metrics,
        Map<String, Object> parameters,
        String createdBy) {

    public static final int MAX_DESCRIPTION_LENGTH = 2048;
    public static final int MAX_LABELS = 100_000;
    /** Element types a tensor may declare; non-tensor values are written {@code sequence<…>} or {@code map<…,…>}. */
    public static final Set<String> TENSOR_TYPES = Set.of("float32", "float16", "bfloat16", "float64", "int8",
            "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "bool", "string");

    public ModelRegistration {
        ModelRef.requireName("name", name);
        Objects.requireNonNull(kind, "kind");
        description = description == null ? "" : description;
        ModelFile.requireFileName("model_file", modelFile);
        labelsFile.ifPresent(f -> ModelFile.requireFileName("labels_file", f));
        inputs = List.copyOf(noNulls("inputs", inputs));
        outputs = List.copyOf(noNulls("outputs", outputs));
        labels = List.copyOf(noNulls("labels", labels));
        featureNames = List.copyOf(noNulls("feature_names", featureNames));
        metrics = Map.copyOf(noNulls("metrics", metrics));
        parameters = Map.copyOf(noNulls("parameters", parameters));
        if (createdBy == null || createdBy.isBlank()) {
            throw new IllegalArgumentException("createdBy is required");
        }
        validate(kind, description, inputs, outputs, preprocessing, labels, featureNames);
    }

    public static Builder builder() {
        return new Builder();
    }

    private static <T> List<T> noNulls(String field, List<T> values) {
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i) == null) {
                throw InvalidInput.field(field + "[" + i + "]", "must not be null");
            }
        }
        return values;
    }

    private static Map<String, Object> noNulls(String field, Map<String, Object> values) {
        values.forEach((key, value) -> {
            if (key == null || value == null) {
                throw InvalidInput.field(field + "." + key, "must not be null");
            }
        });
        return values;
    }

    private static void validate(ModelKind kind, String description, List<TensorSpec> inputs,
            List<TensorSpec> outputs, Optional<ImagePreprocessing> preprocessing, List<String> labels,
            List<String> featureNames) {
        List<FieldError> errors = new ArrayList<>();
        if (description.length() > MAX_DESCRIPTION_LENGTH) {
            errors.add(new FieldError("description", "at most " + MAX_DESCRIPTION_LENGTH + " characters"));
        }
        checkTensors("inputs", inputs, errors);
        checkTensors("outputs", outputs, errors);
        if (preprocessing.isPresent() && kind != ModelKind.IMAGE_CLASSIFIER) {
            errors.add(new FieldError("preprocessing", "applies to image_classifier models only"));
        }
        preprocessing.ifPresent(p -> checkPreprocessing(p, errors));
        if (labels.size() > MAX_LABELS) {
            errors.add(new FieldError("labels", "at most " + MAX_LABELS + " labels"));
        }
        for (int i = 0; i < labels.size(); i++) {
            if (labels.get(i).isBlank()) {
                errors.add(new FieldError("labels[" + i + "]", "must not be blank"));
            }
        }
        for (int i = 0; i < featureNames.size(); i++) {
            if (featureNames.get(i).isBlank()) {
                errors.add(new FieldError("feature_names[" + i + "]", "must not be blank"));
            }
        }
        if (featureNames.stream().distinct().count() != featureNames.size()) {
            errors.add(new FieldError("feature_names", "must not repeat a name"));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : "the model metadata has " + errors.size() + " invalid fields", errors);
        }
    }

    private static void checkTensors(String field, List<TensorSpec> tensors, List<FieldError> errors) {
        for (int i = 0; i < tensors.size(); i++) {
            TensorSpec t = tensors.get(i);
            String at = field + "[" + i + "]";
            if (t.name() == null || t.name().isBlank()) {
                errors.add(new FieldError(at + ".name", "must not be blank"));
            }
            if (!isKnownType(t.type())) {
                errors.add(new FieldError(at + ".type", "must be one of " + TENSOR_TYPES.stream().sorted().toList()
                        + " (or sequence<…>/map<…,…>), got '" + t.type() + "'"));
            }
            if (t.shape().stream().anyMatch(d -> d == null || d < -1)) {
                errors.add(new FieldError(at + ".shape", "dimensions are non-negative, or -1 for a dynamic one"));
            }
        }
    }

    static boolean isKnownType(String type) {
        return type != null && (TENSOR_TYPES.contains(type)
                || (type.startsWith("sequence<") && type.endsWith(">"))
                || (type.startsWith("map<") && type.endsWith(">")));
    }

    private static void checkPreprocessing(ImagePreprocessing p, List<FieldError> errors) {
        if (p.crop() < 1 || p.crop() > 4096) {
            errors.add(new FieldError("preprocessing.crop", "must be between 1 and 4096"));
        }
        if (p.resize() < p.crop() || p.resize() > 4096) {
            errors.add(new FieldError("preprocessing.resize", "must be between crop and 4096"));
        }
        if (!Set.of("RGB", "BGR").contains(p.colorOrder())) {
            errors.add(new FieldError("preprocessing.color_order", "must be 'RGB' or 'BGR'"));
        }
        if (!Set.of("NCHW", "NHWC").contains(p.layout())) {
            errors.add(new FieldError("preprocessing.layout", "must be 'NCHW' or 'NHWC'"));
        }
        if (!(p.scale() > 0) || Double.isInfinite(p.scale())) {
            errors.add(new FieldError("preprocessing.scale", "must be a positive number"));
        }
        if (p.mean().size() != 3 || p.mean().stream().anyMatch(m -> m == null || !Double.isFinite(m))) {
            errors.add(new FieldError("preprocessing.mean", "must be three numbers, one per channel"));
        }
        if (p.std().size() != 3 || p.std().stream().anyMatch(s -> s == null || !(s > 0) || Double.isInfinite(s))) {
            errors.add(new FieldError("preprocessing.std", "must be three positive numbers, one per channel"));
        }
    }

    /** Builds a registration: {@code set…} for the required parts, {@code opt…} for the rest. */
    public static final class Builder {
        private String name;
        private ModelKind kind;
        private String modelFile;
        private String createdBy;
        private String description = "";
        private List<TensorSpec> inputs = List.of();
        private List<TensorSpec> outputs = List.of();
        private ImagePreprocessing preprocessing;
        private List<String> labels = List.of();
        private String labelsFile;
        private List<String> featureNames = List.of();
        private String target;
        private Map<String, Object> metrics = Map.of();
        private Map<String, Object> parameters = Map.of();

        private Builder() {
        }

        public Builder setName(String name) {
            this.name = name;
            return this;
        }

        public Builder setKind(ModelKind kind) {
            this.kind = kind;
            return this;
        }

        /** The ONNX graph's file name, one of the registered files. */
        public Builder setModelFile(String modelFile) {
            this.modelFile = modelFile;
            return this;
        }

        /** Who registers the version (a username, or {@code system} for seeded models). */
        public Builder setCreatedBy(String createdBy) {
            this.createdBy = createdBy;
            return this;
        }

        public Builder optDescription(String description) {
            this.description = description == null ? "" : description;
            return this;
        }

        public Builder optInputs(List<TensorSpec> inputs) {
            this.inputs = inputs;
            return this;
        }

        public Builder optOutputs(List<TensorSpec> outputs) {
            this.outputs = outputs;
            return this;
        }

        public Builder optPreprocessing(ImagePreprocessing preprocessing) {
            this.preprocessing = preprocessing;
            return this;
        }

        public Builder optLabels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** A registered file with one label per line, read when no labels are given. */
        public Builder optLabelsFile(String labelsFile) {
            this.labelsFile = labelsFile;
            return this;
        }

        public Builder optFeatureNames(List<String> featureNames) {
            this.featureNames = featureNames;
            return this;
        }

        public Builder optTarget(String target) {
            this.target = target;
            return this;
        }

        public Builder optMetrics(Map<String, Object> metrics) {
            this.metrics = new LinkedHashMap<>(metrics);
            return this;
        }

        public Builder optParameters(Map<String, Object> parameters) {
            this.parameters = new LinkedHashMap<>(parameters);
            return this;
        }

        public ModelRegistration build() {
            if (kind == null) {
                throw InvalidInput.field("kind", "is required: 'image_classifier' or 'tabular'");
            }
            if (modelFile == null) {
                throw InvalidInput.field("model_file", "is required");
            }
            return new ModelRegistration(name, kind, description, modelFile, inputs, outputs,
                    Optional.ofNullable(preprocessing), labels, Optional.ofNullable(labelsFile), featureNames,
                    Optional.ofNullable(target), metrics, parameters, createdBy);
        }
    }
}
