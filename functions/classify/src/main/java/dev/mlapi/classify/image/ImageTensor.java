package dev.mlapi.classify.image;

import java.util.Arrays;

/**
 * A preprocessed image as a model input: values in row-major order and the tensor shape
 * ({@code [1, 3, h, w]} or {@code [1, h, w, 3]}).
 */
public record ImageTensor(float[] data, long[] shape) {

    @Override
    public boolean equals(Object other) {
        return other instanceof ImageTensor that && Arrays.equals(data, that.data) && Arrays.equals(shape, that.shape);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return "ImageTensor" + Arrays.toString(shape);
    }
}
