package dev.mlapi.classify;

import dev.mlapi.classify.ClassifyRequest.Upload;
import dev.mlapi.classify.ClassifyRequest.Url;
import dev.mlapi.classify.ClassifyResult.ImageInfo;
import dev.mlapi.classify.ClassifyResult.ModelInfo;
import dev.mlapi.classify.ClassifyResult.Prediction;
import dev.mlapi.classify.fetch.FetchedImage;
import dev.mlapi.classify.fetch.SafeUrlFetcher;
import dev.mlapi.core.image.ImageDecoder;
import dev.mlapi.classify.image.ImagePreprocessor;
import dev.mlapi.classify.image.ScaledImageDecoder;
import dev.mlapi.classify.image.ScaledImageDecoder.Decoded;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.classify.inference.OnnxImageClassifier;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.rollup.ShadowCopies;
import dev.mlapi.core.runtime.AfterAnswer;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.requestlog.RequestLogFields;
import dev.mlapi.inference.Djl;
import dev.mlapi.inference.ModelCache;
import dev.mlapi.inference.ModelKey;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRegistry;
import dev.mlapi.registry.ModelRoute.Served;
import dev.mlapi.core.http.RequestIds;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classifies one image with a registered image model: obtain the bytes (upload or safe fetch),
 * decode, resolve the model, preprocess as its manifest says, infer, rank.
 */
public final class ClassifyService implements AutoCloseable, Primer {

    private static final Logger LOG = LoggerFactory.getLogger(ClassifyService.class);

    private final ImageModels models;
    private final ModelCache<OnnxImageClassifier> cache;
    private final ScaledImageDecoder decoder;
    private final SafeUrlFetcher fetcher;
    private volatile Optional<ShadowCopies> shadows = Optional.empty();

    ClassifyService(ImageModels models, ModelCache<OnnxImageClassifier> cache, ScaledImageDecoder decoder,
            SafeUrlFetcher fetcher) {
        this.models = models;
        this.cache = cache;
        this.decoder = decoder;
        this.fetcher = fetcher;
    }

    /** The service as configured: default model, model-cache budget, loopback for tests. */
    public static ClassifyService create(ClassifySettings settings, ModelRegistry registry, Clock clock) {
        return create(settings, registry, clock, SafeUrlFetcher.create(settings.urlFetchAllowLoopback()));
    }

    static ClassifyService create(ClassifySettings settings, ModelRegistry registry, Clock clock, SafeUrlFetcher fetcher) {
        Djl.startEngine();
        return new ClassifyService(new ImageModels(registry, settings.defaultImageModel(), clock),
                new ModelCache<>(settings.modelCacheMaxBytes()),
                new ScaledImageDecoder(ImageDecoder.withDefaultLimits()), fetcher);
    }

    /** Scores a copy of the images an alias's stable version classifies with its shadow, if it has one. */
    ClassifyService withShadows(ShadowCopies shadows) {
        this.shadows = Optional.of(shadows);
        return this;
    }

    /**
     * Classifies the request's image as {@link #classify(ClassifyRequest, RequestLogFields, String)}
     * does, under a new request id (an alias's canary is chosen at random by its weight).
     */
    public ClassifyResult classify(ClassifyRequest request, RequestLogFields log) {
        return classify(request, log, RequestIds.newId());
    }

    /**
     * Classifies the request's image, adding the image URL, size, served model version and its role,
     * and the top label to its history entry. An alias with a canary is served by the side
     * {@code requestId} falls on, so a retry under the same id gets the same version.
     */
    public ClassifyResult classify(ClassifyRequest request, RequestLogFields log, String requestId) {
        return classify(request, log, requestId, AfterAnswer.NONE);
    }

    /**
     * As {@link #classify(ClassifyRequest, RequestLogFields, String)}; when the stable version of an
     * alias with a shadow served, the shadow's classification of the same image is left for after
     * the answer through {@code later} ({@code ApiRequest::afterAnswer}), and agrees when its top
     * label is the stable one's.
     */
    public ClassifyResult classify(ClassifyRequest request, RequestLogFields log, String requestId, AfterAnswer later) {
        long started = System.nanoTime();
        if (request.image() instanceof Url url) {
            log.imageUrl(HistoryUrl.of(url.url()));
        }
        Served served = models.serve(request.model(), requestId);
        Manifest manifest = served.manifest();
        log.served(manifest.ref(), served.role().value());
        Received received = receive(request.image());
        Decoded image = decode(received, manifest);
        log.imageSize(image.width(), image.height());
        ImageTensor tensor = ImagePreprocessor.toTensor(image.pixels(), manifest.preprocessing().orElseThrow());
        List<Prediction> predictions = predict(manifest, tensor, request.topK());
        Prediction best = predictions.get(0);
        log.result(best.label());
        if (served.role() == Served.Role.STABLE) {
            scoreShadow(request.model(), later, manifest, received, tensor, best.label());
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        return new ClassifyResult(best.label(), best.probability(), predictions,
                new ModelInfo(manifest.name(), manifest.version(), served.role().value()),
                new ImageInfo(image.width(), image.height(), image.bytes()), seconds);
    }

    /**
     * Loads the default model and runs one classification of a generated JPEG through the whole
     * path (codec, preprocessing, ONNX Runtime), so a SnapStart snapshot holds a warm container.
     * Never fails: without a default model there is simply nothing to warm.
     */
    @Override
    public void prime() {
        try {
            Manifest manifest = models.resolve(Optional.empty());
            Decoded image = decoder.decode(warmUpJpeg(), manifest.preprocessing().orElseThrow().resize());
            predict(manifest, image, ClassifyRequest.DEFAULT_TOP_K);
            LOG.info("warmed up with image model {}", manifest.ref());
        } catch (ApiException e) {
            LOG.info("no warm-up: {}", e.detail());
        } catch (RuntimeException e) {
            LOG.warn("warm-up failed; models load on first use instead", e);
        }
    }

    /** Drops state that may be stale after a SnapStart restore: what model references point at. */
    @Override
    public void afterRestore() {
        models.forgetResolutions();
    }

    /** {@code name:version#checksum} of the models loaded in this container. */
    public List<String> loadedModels() {
        return cache.loadedModels().stream().map(ModelKey::toString).toList();
    }

    @Override
    public void close() {
        cache.close();
    }

    /**
     * Leaves for after the answer the shadow's top label for the same image, if the alias has a
     * shadow: on the stable version's tensor when both preprocess alike, else decoded (at the
     * shadow's own scale) and preprocessed again.
     */
    private void scoreShadow(Optional<String> requested, AfterAnswer later, Manifest stable, Received image,
            ImageTensor tensor, String label) {
        if (shadows.isEmpty()) {
            return;
        }
        models.shadow(requested).ifPresent(shadow -> {
            // Only what the copy needs stays in memory until it is scored: the tensor or the encoded image.
            ImageTensor same = shadow.preprocessing().equals(stable.preprocessing()) ? tensor : null;
            Received again = same == null ? image : null;
            shadows.get().offer(later, models.ref(requested).toString(), shadow.ref(), shadow.version(), () -> {
                Manifest checked = ImageModels.checked(shadow);
                ImageTensor input = same != null ? same
                        : ImagePreprocessor.toTensor(decode(again, checked).pixels(), checked.preprocessing().orElseThrow());
                return label.equals(predict(checked, input, 1).get(0).label());
            });
        });
    }

    private List<Prediction> predict(Manifest manifest, Decoded image, int topK) {
        return predict(manifest, ImagePreprocessor.toTensor(image.pixels(), manifest.preprocessing().orElseThrow()),
                topK);
    }

    private List<Prediction> predict(Manifest manifest, ImageTensor tensor, int topK) {
        float[] probabilities;
        try (var lease = cache.acquire(ImageModels.cacheKey(manifest),
                () -> Telemetry.timeModelLoad(manifest.ref(), () -> models.load(manifest)))) {
            probabilities = Telemetry.timeInference(manifest.ref(), () -> lease.model().probabilities(tensor));
        }
        if (probabilities.length == 0) {
            throw new Unprocessable("model '" + manifest.ref() + "' returned no scores");
        }
        return Ranking.top(probabilities, topK, manifest.labels());
    }

    /** The encoded image: uploaded, or fetched from its URL. */
    private record Received(byte[] bytes, FetchedImage fetched) {
    }

    private Received receive(ClassifyRequest.Image image) {
        if (image instanceof Upload upload) {
            return new Received(upload.bytes(), null);
        }
        FetchedImage fetched = fetcher.fetch(((Url) image).url());
        return new Received(fetched.body(), fetched);
    }

    /** Decoded for {@code manifest}: a JPEG at the smallest DCT scale that still covers its resize. */
    private Decoded decode(Received image, Manifest manifest) {
        int resize = manifest.preprocessing().orElseThrow().resize();
        if (image.fetched() == null) {
            return decoder.decode(image.bytes(), resize);
        }
        FetchedImage fetched = image.fetched();
        try {
            return decoder.decode(image.bytes(), resize);
        } catch (Unprocessable | InvalidInput e) {
            String type = fetched.contentType().isEmpty() ? "no content type" : fetched.contentType();
            throw new Unprocessable("image_url: what the URL returned (" + type + ", " + fetched.body().length
                    + " bytes) is not a usable image: " + e.detail());
        }
    }

    private static byte[] warmUpJpeg() {
        BufferedImage image = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setPaint(new GradientPaint(0, 0, Color.ORANGE, 320, 240, Color.BLUE));
        g.fillRect(0, 0, 320, 240);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "jpeg", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
