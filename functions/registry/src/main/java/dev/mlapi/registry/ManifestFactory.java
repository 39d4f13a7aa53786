package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.registry.Manifest.FileEntry;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Turns a registration and its stored files into a manifest: checks the file list, reads labels
 * from a labels file and the signature from the ONNX graph where the caller gave none, and fills
 * in an image classifier's default preprocessing. Pure: the caller supplies file contents.
 */
final class ManifestFactory {

    static final int MAX_FILES = 50;
    /** A single S3 PUT takes at most 5 GiB. */
    static final long MAX_FILE_BYTES = 5L * 1024 * 1024 * 1024;
    /** Larger model files are registered without reading their graph (inputs/outputs as given). */
    static final long MAX_INSPECTED_MODEL_BYTES = 128L * 1024 * 1024;
    static final long MAX_LABELS_FILE_BYTES = 16L * 1024 * 1024;

    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");

    private ManifestFactory() {
    }

    /** A 400 unless {@code files} is a valid file list for {@code registration}; checked before any storage call. */
    static void checkFiles(ModelRegistration registration, List<FileEntry> files) {
        if (files.isEmpty()) {
            throw InvalidInput.field("files", "at least the model file is required");
        }
        if (files.size() > MAX_FILES) {
            throw InvalidInput.field("files", "at most " + MAX_FILES + " files per version");
        }
        List<FieldError> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < files.size(); i++) {
            FileEntry file = files.get(i);
            String at = "files[" + i + "]";
            try {
                ModelFile.requireFileName(at + ".name", file.name());
            } catch (InvalidInput e) {
                errors.addAll(e.errors());
                continue;
            }
            if (!names.add(file.name())) {
                errors.add(new FieldError(at + ".name", "'" + file.name() + "' is listed twice"));
            }
            if (file.size() < 0 || file.size() > MAX_FILE_BYTES) {
                errors.add(new FieldError(at + ".size", "must be between 0 and " + MAX_FILE_BYTES + " bytes"));
            }
            if (file.sha256() == null || !SHA256_HEX.matcher(file.sha256()).matches()) {
                errors.add(new FieldError(at + ".sha256", "must be 64 lower-case hex digits"));
            }
        }
        if (errors.isEmpty() && !names.contains(registration.modelFile())) {
            errors.add(new FieldError("model_file", "'" + registration.modelFile() + "' is not among the files "
                    + names));
        }
        registration.labelsFile().filter(f -> errors.isEmpty() && !names.contains(f)).ifPresent(
                f -> errors.add(new FieldError("labels_file", "'" + f + "' is not among the files " + names)));
        if (!errors.isEmpty()) {
            throw new InvalidInput(errors.size() == 1 ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " problems with the file list", errors);
        }
    }

    /** The files whose contents {@link #build} needs: the labels source and, if the signature is to be read, the model. */
    static Set<String> filesToRead(ModelRegistration registration, List<FileEntry> files) {
        Set<String> needed = new LinkedHashSet<>();
        labelsSource(registration, files).ifPresent(needed::add);
        files.stream()
                .filter(f -> f.name().equals(registration.modelFile()))
                .filter(f -> needsSignature(registration) && f.size() <= MAX_INSPECTED_MODEL_BYTES)
                .forEach(f -> needed.add(f.name()));
        return needed;
    }

    /**
     * The manifest of {@code registration} as version {@code version}.
     *
     * @param contents the bytes of each file in {@link #filesToRead}; empty for any other
     */
    static Manifest build(ModelRegistration registration, int version, List<FileEntry> files,
            Function<String, Optional<byte[]>> contents, Instant createdAt) {
        checkFiles(registration, files);
        List<String> labels = registration.labels();
        Optional<String> labelsSource = labelsSource(registration, files);
        if (labelsSource.isPresent()) {
            String file = labelsSource.get();
            FileEntry entry = files.stream().filter(f -> f.name().equals(file)).findFirst().orElseThrow();
            if (entry.size() > MAX_LABELS_FILE_BYTES) {
                throw InvalidInput.field("labels_file", "'" + file + "' is larger than " + MAX_LABELS_FILE_BYTES + " bytes");
            }
            labels = LabelsFile.parse("labels_file", contents.apply(file)
                    .orElseThrow(() -> new IllegalStateException("contents of " + file + " not supplied")));
        }
        List<TensorSpec> inputs = registration.inputs();
        List<TensorSpec> outputs = registration.outputs();
        if (needsSignature(registration)) {
            Optional<byte[]> model = contents.apply(registration.modelFile());
            if (model.isPresent()) {
                OnnxSignature signature = signature(model.get());
                inputs = inputs.isEmpty() ? signature.inputs() : inputs;
                outputs = outputs.isEmpty() ? signature.outputs() : outputs;
            }
        }
        Optional<ImagePreprocessing> preprocessing = registration.kind() == ModelKind.IMAGE_CLASSIFIER
                ? Optional.of(registration.preprocessing().orElseGet(ImagePreprocessing::imagenetTorch))
                : Optional.empty();
        return new Manifest(registration.name(), version, registration.kind(), registration.description(),
                registration.modelFile(), files, inputs, outputs, preprocessing, labels, registration.featureNames(),
                registration.target(), registration.metrics(), registration.parameters(), registration.createdBy(),
                createdAt);
    }

    /** The same manifest as another version and time; for a manifest built before its number was taken. */
    static Manifest withVersion(Manifest m, int version, Instant createdAt) {
        return new Manifest(m.name(), version, m.kind(), m.description(), m.modelFile(), m.files(), m.inputs(),
                m.outputs(), m.preprocessing(), m.labels(), m.featureNames(), m.target(), m.metrics(), m.parameters(),
                m.createdBy(), createdAt);
    }

    private static boolean needsSignature(ModelRegistration registration) {
        return registration.inputs().isEmpty() || registration.outputs().isEmpty();
    }

    /** Where labels come from when none are given: the named labels file, else an image classifier's labels.txt/synset.txt. */
    private static Optional<String> labelsSource(ModelRegistration registration, List<FileEntry> files) {
        if (!registration.labels().isEmpty()) {
            return Optional.empty();
        }
        if (registration.labelsFile().isPresent()) {
            return registration.labelsFile();
        }
        if (registration.kind() != ModelKind.IMAGE_CLASSIFIER) {
            return Optional.empty();
        }
        return LabelsFile.CONVENTIONAL_NAMES.stream()
                .filter(n -> files.stream().anyMatch(f -> f.name().equals(n)))
                .findFirst();
    }

    private static OnnxSignature signature(byte[] model) {
        try {
            return OnnxSignature.read(model);
        } catch (IllegalArgumentException e) {
            throw InvalidInput.field("model_file", "is not a readable ONNX model (" + e.getMessage()
                    + "); if it is one, give its inputs and outputs in the metadata");
        }
    }
}
