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
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
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
        Set<String> needed = new LinkedHashSet<>(labelCandidates(registration, files));
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
        List<String> labels = registration.labels().isEmpty() ? labelsFromFiles(registration, files, contents, outputs)
                : registration.labels();
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

    /**
     * The files that may hold the labels when none are given: the named labels file; else, for an
     * image classifier, {@code labels.txt} or {@code synset.txt}, else every other text artifact
     * ({@code *.txt}) small enough to be one.
     */
    private static List<String> labelCandidates(ModelRegistration registration, List<FileEntry> files) {
        if (!registration.labels().isEmpty()) {
            return List.of();
        }
        if (registration.labelsFile().isPresent()) {
            return List.of(registration.labelsFile().get());
        }
        if (registration.kind() != ModelKind.IMAGE_CLASSIFIER) {
            return List.of();
        }
        Optional<String> conventional = LabelsFile.CONVENTIONAL_NAMES.stream()
                .filter(n -> files.stream().anyMatch(f -> f.name().equals(n)))
                .findFirst();
        if (conventional.isPresent()) {
            return List.of(conventional.get());
        }
        return files.stream()
                .filter(f -> !f.name().equals(registration.modelFile()))
                .filter(f -> f.name().toLowerCase(Locale.ROOT).endsWith(".txt") && f.size() <= MAX_LABELS_FILE_BYTES)
                .map(FileEntry::name)
                .toList();
    }

    /**
     * The labels of a registration that gives none, from its files. One candidate (named, or the
     * only text artifact) is the labels file: for an image classifier whose class count the
     * outputs tell, a line count that differs is a 400 saying both counts. Among several text
     * artifacts, the one whose line count is the class count; none or several such: no labels.
     */
    private static List<String> labelsFromFiles(ModelRegistration registration, List<FileEntry> files,
            Function<String, Optional<byte[]>> contents, List<TensorSpec> outputs) {
        List<String> candidates = labelCandidates(registration, files);
        OptionalLong classes = registration.kind() == ModelKind.IMAGE_CLASSIFIER ? classCount(outputs)
                : OptionalLong.empty();
        if (candidates.size() == 1) {
            String file = candidates.get(0);
            FileEntry entry = files.stream().filter(f -> f.name().equals(file)).findFirst().orElseThrow();
            if (entry.size() > MAX_LABELS_FILE_BYTES) {
                throw InvalidInput.field("labels_file", "'" + file + "' is larger than " + MAX_LABELS_FILE_BYTES + " bytes");
            }
            List<String> labels = LabelsFile.parse("labels_file", read(contents, file));
            if (classes.isPresent() && labels.size() != classes.getAsLong()) {
                throw InvalidInput.field("labels_file", "'%s' has %d lines but the model's output '%s' has %d classes: "
                        .formatted(file, labels.size(), outputs.get(0).name(), classes.getAsLong())
                        + "give a labels file with one label per class (line index = class id)");
            }
            return labels;
        }
        if (candidates.isEmpty() || classes.isEmpty()) {
            return List.of();
        }
        List<List<String>> matching = new ArrayList<>();
        for (String file : candidates) {
            try {
                List<String> labels = LabelsFile.parse("labels_file", read(contents, file));
                if (labels.size() == classes.getAsLong()) {
                    matching.add(labels);
                }
            } catch (InvalidInput notLabels) {
                // Another kind of text artifact (notes, a licence): not the labels.
            }
        }
        return matching.size() == 1 ? matching.get(0) : List.of();
    }

    /**
     * How many classes an image classifier's first output has: its dimensions after the batch
     * dimension multiplied ({@code [N, 1000]}, {@code [1, 1000, 1, 1]}); empty when one is dynamic.
     */
    static OptionalLong classCount(List<TensorSpec> outputs) {
        if (outputs.isEmpty()) {
            return OptionalLong.empty();
        }
        List<Long> shape = outputs.get(0).shape();
        List<Long> perImage = shape.size() == 1 ? shape : shape.subList(1, shape.size());
        long count = 1;
        for (long dim : perImage) {
            if (dim <= 0) {
                return OptionalLong.empty();
            }
            count *= dim;
        }
        return perImage.isEmpty() || count <= 1 ? OptionalLong.empty() : OptionalLong.of(count);
    }

    private static byte[] read(Function<String, Optional<byte[]>> contents, String file) {
        return contents.apply(file).orElseThrow(() -> new IllegalStateException("contents of " + file + " not supplied"));
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
