package dev.mlapi.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import dev.mlapi.core.error.ApiException.Unprocessable;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Map;

/**
 * One ONNX graph loaded into ONNX Runtime through DJL, from bytes in memory: no file is written,
 * so it works on Lambda where only {@code /tmp} is writable.
 *
 * <p>Thread-safe: the loaded model is shared, and every {@link #predict} call gets its own
 * predictor (DJL predictors are not thread-safe), closed before it returns, so no {@code NDArray}
 * leaves it.
 */
public final class OnnxModel implements LoadedModel {

    private static final Map<String, String> SESSION_OPTIONS = Map.of("optLevel", "ALL_OPT");

    private final String ref;
    private final Model model;
    private final long footprintBytes;

    private OnnxModel(String ref, Model model, long footprintBytes) {
        this.ref = ref;
        this.model = model;
        this.footprintBytes = footprintBytes;
    }

    /**
     * Loads {@code onnx} into ONNX Runtime.
     *
     * @param ref how errors name the model, e.g. {@code mobilenetv2:3}
     * @throws Unprocessable if ONNX Runtime cannot load the bytes
     */
    public static OnnxModel load(String ref, byte[] onnx) {
        Djl.offline();
        Model model = Model.newInstance(ref, Device.cpu(), Djl.ENGINE);
        try {
            model.load(new ByteArrayInputStream(onnx), SESSION_OPTIONS);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            model.close();
            throw new Unprocessable("model '" + ref + "' could not be loaded by ONNX Runtime: " + rootMessage(e), e);
        }
        return new OnnxModel(ref, model, onnx.length);
    }

    /**
     * Runs one input through the model with {@code translator}, which takes and returns plain Java types.
     *
     * @throws Unprocessable if the input does not fit the graph or inference fails
     */
    public <I, O> O predict(Translator<I, O> translator, I input) {
        try (Predictor<I, O> predictor = model.newPredictor(translator)) {
            return predictor.predict(input);
        } catch (TranslateException | EngineException | IllegalArgumentException | IllegalStateException e) {
            throw new Unprocessable("model '" + ref + "' could not process the input: " + rootMessage(e), e);
        }
    }

    public String ref() {
        return ref;
    }

    /** An estimate of the memory the loaded model holds: the size of its ONNX file. */
    @Override
    public long footprintBytes() {
        return footprintBytes;
    }

    @Override
    public void close() {
        model.close();
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
