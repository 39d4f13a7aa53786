package dev.mlapi.inference;

/** A model held in memory, as {@link ModelCache} sees it: what it costs and how to let it go. */
public interface LoadedModel extends AutoCloseable {

    /** An estimate of the memory the loaded model holds. */
    long footprintBytes();

    /** Frees what the model holds (native sessions); the cache calls it once the model is evicted. */
    @Override
    void close();
}
