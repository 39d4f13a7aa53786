package dev.mlapi.classify.inference;

import dev.mlapi.classify.image.ImageTensor;
import dev.mlapi.core.error.ApiException.Unprocessable;
import dev.mlapi.inference.LoadedModel;
import dev.mlapi.inference.OnnxModel;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.Manifest.TensorSpec;
import java.util.List;
import java.util.Locale;

/**
 * One image-classification model loaded into ONNX Runtime: tensor in, class probabilities out.
 *
 * <p>Thread-safe: the loaded {@link OnnxModel} is shared and gives every call its own predictor.
 */
public final class OnnxImageClassifier implements LoadedModel {

    private final OnnxModel model;
    private final ImageClassifierTranslator translator;
    private final boolean outputIsProbability;

    private OnnxImageClassifier(OnnxModel model, ImageClassifierTranslator translator, boolean outputIsProbability) {
        this.model = model;
        this.translator = translator;
        this.outputIsProbability = outputIsProbability;
    }

    /** Loads {@code onnx} (the manifest's model file) from memory, fed as the manifest's first input says. */
    public static OnnxImageClassifier load(Manifest manifest, byte[] onnx) {
        Manifest.ImagePreprocessing preprocessing = manifest.preprocessing()
                .orElseThrow(() -> new Unprocessable("model '" + manifest.ref() + "' has no image preprocessing"));
        TensorSpec input = first(manifest.inputs());
        TensorSpec output = first(manifest.outputs());
        boolean float16 = input != null && "float16".equals(String.valueOf(input.type()).toLowerCase(Locale.ROOT));
        var translator = new ImageClassifierTranslator(input == null ? null : input.name(),
                output == null ? null : output.name(), float16);
        return new OnnxImageClassifier(OnnxModel.load(manifest.ref(), onnx), translator,
                preprocessing.outputIsProbability());
    }

    /** The class probabilities for one image (softmax applied unless the model outputs probabilities). */
    public float[] probabilities(ImageTensor tensor) {
        float[] scores = model.predict(translator, tensor);
        return outputIsProbability ? scores : softmax(scores);
    }

    public String ref() {
        return model.ref();
    }

    /** An estimate of the memory the loaded model holds: the size of its ONNX file. */
    @Override
    public long footprintBytes() {
        return model.footprintBytes();
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
}
