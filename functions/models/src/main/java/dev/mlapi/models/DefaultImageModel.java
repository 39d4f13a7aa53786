package dev.mlapi.models;

import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.ImagePreprocessing;
import dev.mlapi.registry.Manifest.TensorSpec;
import dev.mlapi.registry.ModelFile;
import dev.mlapi.registry.ModelKind;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelRegistration;
import dev.mlapi.registry.ModelRegistryWriter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Seeds the deployment's default image model, {@code mobilenetv2@production}: MobileNetV2-1.0
 * int8 from the ONNX Model Zoo (Apache-2.0) with the ImageNet synset labels. The local server
 * calls it at start-up; it never overwrites anything already registered.
 *
 * <p>Files come from the shared models folder when it has them, else from their public URLs;
 * either way each must match its pinned sha256. Without network or files it logs why and
 * registers nothing.
 */
public final class DefaultImageModel {

    public static final String NAME = "mobilenetv2";
    public static final String ALIAS = "production";
    public static final String REGISTERED_BY = "system";

    public static final RemoteFile MODEL = new RemoteFile("mobilenetv2-12-int8.onnx",
            URI.create("https://github.com/onnx/models/raw/main/validated/vision/classification/mobilenet/model/"
                    + "mobilenetv2-12-int8.onnx"),
            "cc028fe6cae7bc11a4ff53cfc9b79c920e8be65ce33a904ec3e2a8f66d77f95f");
    public static final RemoteFile LABELS = new RemoteFile("imagenet-synset.txt",
            URI.create("https://raw.githubusercontent.com/onnx/models/main/validated/vision/classification/synset.txt"),
            "acf75ef0abe89694b19056e0796401068b459c457baa30335f240c7692857355");

    static final long MAX_DOWNLOAD_BYTES = 64L * 1024 * 1024;
    static final Duration DOWNLOAD_TIMEOUT = Duration.ofMinutes(2);

    private static final Logger LOG = LoggerFactory.getLogger(DefaultImageModel.class);

    private DefaultImageModel() {
    }

    /** A file of the default model: where to find it and the sha256 it must have. */
    public record RemoteFile(String fileName, URI url, String sha256) {
    }

    /** An HTTP client fit for the downloads: follows redirects (GitHub serves LFS files from another host), never to plain HTTP. */
    public static HttpClient httpClient() {
        return HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    /**
     * Registers {@code mobilenetv2} and points {@code production} at it, unless a version of it
     * exists already.
     *
     * @param sharedModelsDir the shared models folder ({@code ../shared/models}) if this machine has it
     * @return the manifest {@code mobilenetv2@production} (else the latest version) resolves to, or
     *         empty if the model is not registered and could not be
     */
    public static Optional<Manifest> ensureRegistered(ModelRegistryWriter registry, Optional<Path> sharedModelsDir,
            HttpClient http) {
        return ensureRegistered(registry, sharedModelsDir, http, MODEL, LABELS);
    }

    static Optional<Manifest> ensureRegistered(ModelRegistryWriter registry, Optional<Path> sharedModelsDir,
            HttpClient http, RemoteFile model, RemoteFile labels) {
        try {
            Optional<Manifest> existing = registry.find(ModelRef.parse("model", NAME));
            if (existing.isPresent()) {
                return registry.find(ModelRef.parse("model", NAME + "@" + ALIAS)).or(() -> existing);
            }
            Optional<byte[]> modelBytes = fetch(model, sharedModelsDir, http);
            Optional<byte[]> labelBytes = modelBytes.isPresent() ? fetch(labels, sharedModelsDir, http) : Optional.empty();
            if (modelBytes.isEmpty() || labelBytes.isEmpty()) {
                LOG.warn("the default image model {} is not registered: its files are neither in the shared models"
                        + " folder nor downloadable; register one with POST /models/{}/versions", NAME, NAME);
                return Optional.empty();
            }
            Manifest manifest = registry.register(registration(model, labels),
                    List.of(new ModelFile(model.fileName(), modelBytes.get()),
                            new ModelFile(labels.fileName(), labelBytes.get())));
            registry.setAlias(NAME, ALIAS, manifest.version(), REGISTERED_BY);
            LOG.info("registered the default image model {} as {}@{}", manifest.ref(), NAME, ALIAS);
            return Optional.of(manifest);
        } catch (RuntimeException e) {
            LOG.error("could not register the default image model {}", NAME, e);
            return Optional.empty();
        }
    }

    /** MobileNetV2's registration: the signature as its graph declares it, torchvision preprocessing, synset labels. */
    static ModelRegistration registration(RemoteFile model, RemoteFile labels) {
        return ModelRegistration.builder()
                .setName(NAME)
                .setKind(ModelKind.IMAGE_CLASSIFIER)
                .setModelFile(model.fileName())
                .setCreatedBy(REGISTERED_BY)
                .optDescription("MobileNetV2-1.0, int8 quantized (ONNX Model Zoo, Apache-2.0): ImageNet, 1000 classes."
                        + " Source: " + model.url())
                .optLabelsFile(labels.fileName())
                .optPreprocessing(ImagePreprocessing.imagenetTorch())
                .optInputs(List.of(new TensorSpec("input", "float32", List.of(-1L, 3L, 224L, 224L))))
                .optOutputs(List.of(new TensorSpec("output", "float32", List.of(-1L, 1000L))))
                .build();
    }

    /** The file's bytes from the shared folder, else from its URL; empty unless they match the pinned sha256. */
    static Optional<byte[]> fetch(RemoteFile file, Optional<Path> sharedModelsDir, HttpClient http) {
        Optional<Path> local = sharedModelsDir.map(dir -> dir.resolve(file.fileName())).filter(Files::isRegularFile);
        if (local.isPresent()) {
            try {
                byte[] data = Files.readAllBytes(local.get());
                if (matches(file, data, local.get().toString())) {
                    return Optional.of(data);
                }
            } catch (IOException e) {
                LOG.warn("could not read {}: {}", local.get(), e.toString());
            }
        }
        return download(file, http);
    }

    private static Optional<byte[]> download(RemoteFile file, HttpClient http) {
        LOG.info("downloading {} from {}", file.fileName(), file.url());
        try {
            HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(file.url())
                    .timeout(DOWNLOAD_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream body = response.body()) {
                if (response.statusCode() != 200) {
                    LOG.warn("could not download {}: HTTP {}", file.url(), response.statusCode());
                    return Optional.empty();
                }
                byte[] data = body.readNBytes((int) MAX_DOWNLOAD_BYTES + 1);
                if (data.length > MAX_DOWNLOAD_BYTES) {
                    LOG.warn("refusing {}: larger than {} bytes", file.url(), MAX_DOWNLOAD_BYTES);
                    return Optional.empty();
                }
                return matches(file, data, file.url().toString()) ? Optional.of(data) : Optional.empty();
            }
        } catch (IOException e) {
            LOG.warn("could not download {}: {}", file.url(), e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("interrupted while downloading {}", file.url());
            return Optional.empty();
        }
    }

    private static boolean matches(RemoteFile file, byte[] data, String source) {
        String actual = ModelFile.sha256Hex(data);
        if (actual.equals(file.sha256())) {
            return true;
        }
        LOG.warn("refusing {} from {}: sha256 is {}, expected {}", file.fileName(), source, actual, file.sha256());
        return false;
    }
}
