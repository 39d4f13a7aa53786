package dev.mlapi.imagestore;

/**
 * An uploaded image that decoded: its bytes, the type sniffed from them and its pixel size.
 *
 * @param filename the client's file name, already reduced to a safe base name
 */
public record NewImage(String filename, String contentType, byte[] data, int width, int height) {
}
