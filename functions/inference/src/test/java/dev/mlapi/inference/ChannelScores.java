package dev.mlapi.inference;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import java.util.Arrays;

/** Feeds a solid {@code [1, channels, size, size]} image of one colour to a {@link TinyOnnx} model; returns its logits. */
record ChannelScores(int size) implements NoBatchifyTranslator<float[], float[]> {

    @Override
    public NDList processInput(TranslatorContext ctx, float[] channels) {
        float[] pixels = new float[channels.length * size * size];
        for (int c = 0; c < channels.length; c++) {
            Arrays.fill(pixels, c * size * size, (c + 1) * size * size, channels[c]);
        }
        return new NDList(ctx.getNDManager().create(pixels, new Shape(1, channels.length, size, size)));
    }

    @Override
    public float[] processOutput(TranslatorContext ctx, NDList list) {
        return list.head().toFloatArray();
    }
}
