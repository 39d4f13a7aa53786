package dev.mlapi.models;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.UnsupportedMediaType;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.MultipartPart;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.AliasTarget;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.ModelAlias;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/** The request bodies of the models function, and their decoding from an {@link ApiRequest}. */
final class ModelRequests {

    /** Lambda refuses larger requests; the local server is held to the same limit. */
    static final int MAX_DIRECT_UPLOAD_BYTES = 6 * 1024 * 1024;

    private ModelRequests() {
    }

    /**
     * Optional facts about a model version, as the {@code metadata} field carries them.
     * Left out, {@code inputs}/{@code outputs} are read from the ONNX graph.
     */
    record Metadata(List<Tensor> inputs, List<Tensor> outputs, Preprocessing preprocessing, List<String> labels,
            String labelsFile, List<String> featureNames, String target, Map<String, Object> metrics,
            Map<String, Object> parameters) {

        static final Metadata NONE = new Metadata(null, null, null, null, null, null, null, null, null);
    }

    /** A model input or output; {@code shape} uses -1 for a dynamic dimension. */
    record Tensor(String name, String type, List<Long> shape) {
    }

    /** Image preprocessing; every field left out takes the ImageNet/torchvision value. */
    record Preprocessing(Integer resize, Integer crop, String colorOrder, Double scale, List<Double> mean,
            List<Double> std, String layout, Boolean outputIsProbability) {
    }

    /** {@code POST /models/{name}/versions} as JSON: declare the files, get presigned upload URLs. */
    record UploadRequest(List<DeclaredFile> files, String kind, String description, String modelFile,
            Metadata metadata) {
    }

    /** One file to upload, with its exact size and lower-case hex sha256. */
    record DeclaredFile(String name, Long size, String sha256) {
    }

    /**
     * {@code PUT /models/{name}/aliases/{alias}}: the version as a string or a number, and optionally
     * a canary {@code {version, weight}} serving {@code weight} percent of the requests.
     */
    record AliasRequest(JsonNode version, JsonNode canary, JsonNode shadow, JsonNode guardrail,
            JsonNode promoteAfter) {

        AliasRequest(JsonNode version, JsonNode canary) {
            this(version, canary, null, null, null);
        }
    }

    /** A direct registration read from {@code multipart/form-data}. */
    record DirectUpload(String kind, String description, Metadata metadata, ModelFile modelFile,
            List<ModelFile> artifacts) {

        List<ModelFile> files() {
            List<ModelFile> files = new ArrayList<>();
            files.add(modelFile);
            files.addAll(artifacts);
            return files;
        }
    }

    static String name(ApiRequest request) {
        return ModelRef.requireName("name", request.pathParameter("name"));
    }

    static int version(ApiRequest request) {
        return ModelRef.parseVersion("version", request.pathParameter("version"));
    }

    static String alias(ApiRequest request) {
        return ModelRef.requireName("alias", request.pathParameter("alias"));
    }

    /** Reads the multipart form: {@code model_file}, {@code artifact_files} (repeatable), {@code kind}, {@code description}, {@code metadata}. */
    static DirectUpload directUpload(ApiRequest request) {
        if (request.body().length > MAX_DIRECT_UPLOAD_BYTES) {
            throw new PayloadTooLarge("a direct upload is at most " + MAX_DIRECT_UPLOAD_BYTES + " bytes; for larger"
                    + " models send JSON {files:[{name,size,sha256}]} to get presigned upload URLs");
        }
        ModelFile model = null;
        List<ModelFile> artifacts = new ArrayList<>();
        String kind = null;
        String description = null;
        Metadata metadata = Metadata.NONE;
        for (MultipartPart part : request.multipart()) {
            switch (part.name()) {
                case "model_file" -> {
                    requireSingle(model == null, "model_file");
                    model = file(part);
                }
                case "artifact_files", "artifact_files[]" -> artifacts.add(file(part));
                case "kind" -> {
                    requireSingle(kind == null, "kind");
                    kind = part.text().trim();
                }
                case "description" -> {
                    requireSingle(description == null, "description");
                    description = part.text();
                }
                case "metadata" -> {
                    requireSingle(metadata == Metadata.NONE, "metadata");
                    metadata = metadata(part.data());
                }
                default -> throw InvalidInput.field(part.name(), "unknown field; expected model_file, artifact_files,"
                        + " kind, description, metadata");
            }
        }
        if (model == null) {
            throw InvalidInput.field("model_file", "is required: the ONNX model as a file part");
        }
        return new DirectUpload(kind, description, metadata, model, artifacts);
    }

    /** Reads the JSON body of a presigned registration; any other content type is a 415. */
    static UploadRequest uploadRequest(ApiRequest request) {
        if (!request.mediaType().isEmpty() && !request.isJson()) {
            throw new UnsupportedMediaType("POST /models/{name}/versions takes multipart/form-data (direct upload) or"
                    + " application/json (presigned upload), got '" + request.mediaType() + "'");
        }
        return request.json(UploadRequest.class);
    }

    static int aliasVersion(AliasRequest body) {
        return versionField("version", body.version());
    }

    /** The stable version and the canary, if any; each bad field is a 400 naming it ({@code canary.weight}). */
    static AliasTarget aliasTarget(AliasRequest body) {
        AliasTarget split = canaryTarget(body);
        return new AliasTarget(split.version(), split.canary(), AliasPolicyRequests.shadow(body.shadow()),
                AliasPolicyRequests.guardrail(body.guardrail()), AliasPolicyRequests.promoteAfter(body.promoteAfter()));
    }

    private static AliasTarget canaryTarget(AliasRequest body) {
        int version = aliasVersion(body);
        JsonNode canary = body.canary();
        if (canary == null || canary.isNull()) {
            return AliasTarget.of(version);
        }
        if (!canary.isObject()) {
            throw InvalidInput.field("canary", "must be an object {\"version\": 4, \"weight\": 10}");
        }
        List<FieldError> errors = new ArrayList<>();
        canary.fieldNames().forEachRemaining(name -> {
            if (!name.equals("version") && !name.equals("weight")) {
                errors.add(new FieldError("canary." + name, "is not a field of a canary (version, weight)"));
            }
        });
        if (!errors.isEmpty()) {
            throw new InvalidInput("the canary has unknown fields", errors);
        }
        int canaryVersion = versionField("canary.version", canary.get("version"));
        JsonNode weight = canary.get("weight");
        if (weight == null || weight.isNull()) {
            throw InvalidInput.field("canary.weight", "is required: the percentage of requests the canary serves, 1 to 50");
        }
        if (!weight.isIntegralNumber() || !weight.canConvertToInt()
                || weight.intValue() < ModelAlias.Canary.MIN_WEIGHT || weight.intValue() > ModelAlias.Canary.MAX_WEIGHT) {
            throw InvalidInput.field("canary.weight", "must be an integer percentage from %d to %d, got %s"
                    .formatted(ModelAlias.Canary.MIN_WEIGHT, ModelAlias.Canary.MAX_WEIGHT, clip(weight.toString())));
        }
        if (canaryVersion == version) {
            throw InvalidInput.field("canary.version", "must differ from version (" + version
                    + "): a canary is another version");
        }
        return new AliasTarget(version, Optional.of(new AliasTarget.CanaryTarget(canaryVersion, weight.intValue())));
    }

    private static String clip(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }

    static int versionField(String field, JsonNode version) {
        if (version == null || version.isNull()) {
            throw InvalidInput.field(field, "is required, e.g. {\"version\": \"3\"}");
        }
        if (version.isIntegralNumber() && version.canConvertToInt()) {
            return ModelRef.parseVersion(field, String.valueOf(version.intValue()));
        }
        if (version.isTextual()) {
            return ModelRef.parseVersion(field, version.textValue().trim());
        }
        throw InvalidInput.field(field, "must be a positive integer, as a number or a string");
    }

    private static final Pattern LOWER_HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    static List<FileEntry> declaredFiles(UploadRequest request) {
        if (request.files() == null || request.files().isEmpty()) {
            throw InvalidInput.field("files", "is required: [{name, size, sha256}, …]");
        }
        List<FileEntry> entries = new ArrayList<>();
        List<FieldError> errors = new ArrayList<>();
        for (int i = 0; i < request.files().size(); i++) {
            DeclaredFile f = request.files().get(i);
            if (f == null || f.name() == null || f.size() == null || f.sha256() == null) {
                errors.add(new FieldError("files[" + i + "]", "needs name, size and sha256"));
                continue;
            }
            if (!LOWER_HEX_SHA256.matcher(f.sha256()).matches()) {
                // openapi.yaml says lower-case: accepting other spellings would let two spellings name one file.
                errors.add(new FieldError("files[" + i + "].sha256", "must be 64 lower-case hexadecimal digits"));
                continue;
            }
            entries.add(new FileEntry(f.name(), f.size(), f.sha256()));
        }
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.get(0).field() + ": " + errors.get(0).message(), errors);
        }
        return entries;
    }

    /**
     * The registration of a new version of {@code name}. Without {@code model_file}, a JSON upload's
     * model file is its only {@code .onnx} file.
     */
    static ModelRegistration registration(String name, String kind, String description, Optional<String> modelFile,
            List<String> fileNames, Metadata metadata, String createdBy) {
        if (kind == null || kind.isBlank()) {
            throw InvalidInput.field("kind", "is required: 'image_classifier' or 'tabular'");
        }
        Metadata m = metadata == null ? Metadata.NONE : metadata;
        ModelRegistration.Builder builder = ModelRegistration.builder()
                .setName(name)
                .setKind(ModelKind.parse(kind))
                .setModelFile(modelFile.orElseGet(() -> onlyOnnxFile(fileNames)))
                .setCreatedBy(createdBy)
                .optDescription(description)
                .optInputs(tensors("inputs", m.inputs()))
                .optOutputs(tensors("outputs", m.outputs()))
                .optLabels(m.labels() == null ? List.of() : m.labels())
                .optLabelsFile(m.labelsFile())
                .optFeatureNames(m.featureNames() == null ? List.of() : m.featureNames())
                .optTarget(m.target())
                .optMetrics(m.metrics() == null ? Map.of() : m.metrics())
                .optParameters(m.parameters() == null ? Map.of() : m.parameters());
        if (m.preprocessing() != null) {
            builder.optPreprocessing(preprocessing(m.preprocessing()));
        }
        return builder.build();
    }

    private static String onlyOnnxFile(List<String> fileNames) {
        List<String> onnx = fileNames.stream().filter(n -> n != null && n.endsWith(".onnx")).toList();
        if (onnx.size() != 1) {
            throw InvalidInput.field("model_file", "is required unless exactly one file ends in .onnx");
        }
        return onnx.get(0);
    }

    private static List<TensorSpec> tensors(String field, List<Tensor> tensors) {
        if (tensors == null) {
            return List.of();
        }
        List<TensorSpec> specs = new ArrayList<>();
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            String at = field + "[" + i + "]";
            if (t == null || t.name() == null || t.type() == null) {
                throw InvalidInput.field(at, "needs name and type");
            }
            List<Long> shape = t.shape() == null ? List.of() : t.shape();
            if (shape.contains(null)) {
                throw InvalidInput.field(at + ".shape", "dimensions are integers, -1 for a dynamic one");
            }
            specs.add(new TensorSpec(t.name(), t.type(), shape));
        }
        return specs;
    }

    private static ImagePreprocessing preprocessing(Preprocessing p) {
        ImagePreprocessing d = ImagePreprocessing.imagenetTorch();
        if ((p.mean() != null && p.mean().contains(null)) || (p.std() != null && p.std().contains(null))) {
            throw InvalidInput.field("preprocessing", "mean and std are lists of three numbers");
        }
        return new ImagePreprocessing(
                p.resize() != null ? p.resize() : d.resize(),
                p.crop() != null ? p.crop() : d.crop(),
                p.colorOrder() != null ? p.colorOrder() : d.colorOrder(),
                p.scale() != null ? p.scale() : d.scale(),
                p.mean() != null ? p.mean() : d.mean(),
                p.std() != null ? p.std() : d.std(),
                p.layout() != null ? p.layout() : d.layout(),
                p.outputIsProbability() != null ? p.outputIsProbability() : d.outputIsProbability());
    }

    private static Metadata metadata(byte[] json) {
        try {
            return Json.read(json, Metadata.class);
        } catch (InvalidInput e) {
            List<FieldError> errors = e.errors().stream()
                    .map(f -> new FieldError("metadata." + f.field(), f.message())).toList();
            throw new InvalidInput("metadata: " + e.detail(), errors);
        }
    }

    private static ModelFile file(MultipartPart part) {
        if (!part.isFile()) {
            throw InvalidInput.field(part.name(), "must be a file part (Content-Disposition with a filename)");
        }
        return new ModelFile(ModelFile.requireFileName(part.name(), part.filename().get()), part.data());
    }

    private static void requireSingle(boolean first, String field) {
        if (!first) {
            throw InvalidInput.field(field, "may appear only once");
        }
    }
}
