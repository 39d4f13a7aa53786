package dev.mlapi.core.observability;

/** Where measurements go: CloudWatch (EMF records) in Lambda, an in-process registry everywhere. */
public interface MetricsSink {

    void request(RequestMeasurement measurement);

    void timing(ModelTiming timing);
}
