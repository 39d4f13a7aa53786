package dev.mlapi.classify.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import ai.djl.util.Float16Utils;
import dev.mlapi.classify.image.ImageTensor;

/**
 * Feeds a preprocessed {@link ImageTensor} to an image classifier and returns its raw scores for
 * the first image, so no {@code NDArray} leaves the predictor.
 *
 * <p>A float16 input is built from float16 bytes directly: ONNX Runtime is DJL's only engine
 * here and its NDArrays do not support {@code toType}. A float16 output is widened by
 * {@link NDArray#toFloatArray()}.
 */
final class ImageClassifierTranslator implements NoBatchifyTranslator<ImageTensor, float[]> {

    private final String inputName;
    private final String outputName;
    private final boolean float16Input;

    /**
     * @param inputName  the graph input to feed; {@code null} feeds the only input by position
     * @param outputName the graph output holding the scores; {@code null} takes the first one
     */
    ImageClassifierTranslator(String inputName, String outputName, boolean float16Input) {
        this.inputName = inputName;
        this.outputName = outputName;
        this.float16Input = float16Input;
    }

    @Override
    public NDList processInput(TranslatorContext ctx, ImageTensor input) {
        NDManager manager = ctx.getNDManager();
        Shape shape = new Shape(input.shape());
        NDArray array = float16Input
                ? manager.create(Float16Utils.toByteBuffer(manager, input.data()), shape, DataType.FLOAT16)
                : manager.create(input.data(), shape);
        if (inputName != null) {
            array.setName(inputName);
        }
        return new NDList(array);
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        NDArray scores = outputName == null ? null : list.get(outputName);
        if (scores == null) {
            scores = list.head();
        }
        return scores.toFloatArray();
    }
}
