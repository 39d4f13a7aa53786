package dev.mlapi.classify.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One image-classification model loaded into ONNX Runtime through DJL: tensor in, class
 * probabilities out.
 *
 * <p>Thread-safe: the loaded model is shared, and every call gets its own predictor (DJL
 * predictors are not thread-safe), closed by try-with-resources.
 */
public final class OnnxImageClassifier implements AutoCloseable {

    private static final Map<String, String> SESSION_OPTIONS = Map.of("optLevel", "ALL_OPT");

    private final String ref;
    private final Model model;
    private final ImageClassifierTranslator translator;
    private final boolean outputIsProbability;
    private final long footprintBytes;

    private OnnxImageClassifier(String ref, Model model, ImageClassifierTranslator translator,
            boolean outputIsProbability, long footprintBytes) {
        this.ref = ref;
        this.model = model;
        this.translator = translator;
        this.outputIsProbability = outputIsProbability;
        this.footprintBytes = footprintBytes;
    }

    /**
     * Loads {@code onnx} (the manifest's model file) from memory: no file is written, so it works
     * on Lambda where only {@code /tmp} is writable.
     */
    public static OnnxImageClassifier load(Manifest manifest, byte[] onnx) {
        Djl.offline();
        Manifest.ImagePreprocessing preprocessing = manifest.preprocessing()
                .orElseThrow(() -> new Unprocessable("model '" + manifest.ref() + "' has no image preprocessing"));
        TensorSpec input = first(manifest.inputs());
        TensorSpec output = first(manifest.outputs());
        boolean float16 = input != null && "float16".equals(String.valueOf(input.type()).toLowerCase(Locale.ROOT));
        var translator = new ImageClassifierTranslator(input == null ? null : input.name(),
                output == null ? null : output.name(), float16);
        Model model = Model.newInstance(manifest.ref(), Device.cpu(), Djl.ENGINE);
        try {
            model.load(new ByteArrayInputStream(onnx), SESSION_OPTIONS);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new Unprocessable("model '" + manifest.ref() + "' could not be loaded by ONNX Runtime: "
                    + rootMessage(e), e);
        }
        return new OnnxImageClassifier(manifest.ref(), model, translator, preprocessing.outputIsProbability(),
                onnx.length);
    }

    /** The class probabilities for one image (softmax applied unless the model outputs probabilities). */
    public float[] probabilities(ImageTensor tensor) {
        float[] scores;
        try (Predictor<ImageTensor, float[]> predictor = model.newPredictor(translator)) {
            scores = predictor.predict(tensor);
        } catch (TranslateException | EngineException | IllegalArgumentException | IllegalStateException e) {
            throw new Unprocessable("model '" + ref + "' could not process the image: " + rootMessage(e), e);
        }
        return outputIsProbability ? scores : softmax(scores);
    }

    public String ref() {
        return ref;
    }

    /** An estimate of the memory the loaded model holds: the size of its ONNX file. */
    public long footprintBytes() {
        return footprintBytes;
    }

    @Override
    public void close() {
        model.close();
    }

    static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] exp = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            exp[i] = Math.exp(logits[i] - max);
            sum += exp[i];
        }
        float[] probabilities = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            probabilities[i] = (float) (exp[i] / sum);
        }
        return probabilities;
    }

    private static TensorSpec first(List<TensorSpec> specs) {
        return specs.isEmpty() ? null : specs.get(0);
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null || message.isBlank() ? root.getClass().getSimpleName() : message;
    }
}
