package dev.mlapi.core.observability;

/** Where measurements go: CloudWatch (EMF records) in Lambda, an in-process registry everywhere. */
public interface MetricsSink {

    void request(RequestMeasurement measurement);

    void timing(ModelTiming timing);

    /** Counts one occurrence of {@code metric} (such as an alias rollback) for {@code model}, in {@code function}. Nothing by default. */
    default void count(String function, String metric, String model) {
    }

    /** Builds what {@link #request} would record, and records nothing: priming. Nothing by default. */
    default void rehearse(RequestMeasurement measurement) {
    }
}
