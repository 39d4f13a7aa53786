package dev.mlapi.core.observability;

/** Where measurements go: CloudWatch (EMF records) in Lambda, an in-process registry everywhere. */
public interface MetricsSink {

    void request(RequestMeasurement measurement);

    void timing(ModelTiming timing);

    /** Builds what {@link #request} would record, and records nothing: priming. Nothing by default. */
    default void rehearse(RequestMeasurement measurement) {
    }
}
