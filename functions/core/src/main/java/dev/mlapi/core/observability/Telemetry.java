package dev.mlapi.core.observability;

import dev.mlapi.core.observability.ModelTiming.ModelMetric;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.lambda.powertools.common.internal.LambdaConstants;
import software.amazon.lambda.powertools.common.internal.LambdaHandlerProcessor;
import java.util.function.Consumer;

/**
 * The process's metrics: what the request pipeline and the services measure goes to CloudWatch
 * as EMF records (namespace {@value #NAMESPACE}) and to the in-process {@link #registry()}.
 *
 * <p>Process-wide like a logger, so that code deep inside a function (a model cache, an
 * inference call) reports a timing with one line and no Powertools or CloudWatch types. A timing
 * is attributed to the function whose request is running on the thread, else to the process's
 * service ({@code POWERTOOLS_SERVICE_NAME}), as during a Lambda init or SnapStart warm-up.
 */
public final class Telemetry {

    /** The CloudWatch namespace of every metric; the stack sets {@code POWERTOOLS_METRICS_NAMESPACE} to the same. */
    public static final String NAMESPACE = "mlapi";
    /** Dimension names (EMF) and label names (Prometheus). */
    public static final String FUNCTION = "function";
    public static final String ROUTE = "route";
    public static final String MODEL = "model";

    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);
    private static final MetricsRegistry REGISTRY = new MetricsRegistry();
    private static final ThreadLocal<String> CURRENT_FUNCTION = new ThreadLocal<>();
    private static volatile List<MetricsSink> sinks = List.of(new EmfMetrics(NAMESPACE), REGISTRY);

    private Telemetry() {
    }

    /** The in-process registry every measurement also goes to. */
    public static MetricsRegistry registry() {
        return REGISTRY;
    }

    /**
     * Stops writing EMF records to stdout, for a process that is no Lambda function and reads
     * {@link #registry()} instead: the local server, whose console is for people.
     */
    public static void disableEmf() {
        sinks = List.of(REGISTRY);
    }

    /** Records one answered request; called by the request pipeline. */
    public static void request(RequestMeasurement measurement) {
        forEachSink(sink -> sink.request(measurement));
    }

    /**
     * Builds and serializes the metrics record of {@code measurement} as {@link #request} would,
     * and emits nothing: priming warms the metrics path without counting a request nobody made.
     */
    public static void rehearse(RequestMeasurement measurement) {
        forEachSink(sink -> sink.rehearse(measurement));
    }

    /** Records how long loading {@code model} took. */
    public static void modelLoadTime(String model, Duration took) {
        timing(ModelMetric.MODEL_LOAD_TIME, model, took);
    }

    /** Records how long one inference with {@code model} took. */
    public static void inferenceTime(String model, Duration took) {
        timing(ModelMetric.INFERENCE_TIME, model, took);
    }

    /**
     * Counts one event of {@code metric} (e.g. {@code alias_rollbacks}) for {@code model}, in the function
     * running on the thread or the process's service.
     */
    public static void count(String metric, String model) {
        String function = Optional.ofNullable(CURRENT_FUNCTION.get()).or(Telemetry::serviceName).orElse("unknown");
        forEachSink(sink -> sink.count(function, metric, model));
    }

    /** Loads a model through {@code load} and records how long it took (also when it failed). */
    public static <T> T timeModelLoad(String model, Supplier<T> load) {
        return timed(ModelMetric.MODEL_LOAD_TIME, model, load);
    }

    /** Runs one inference through {@code inference} and records how long it took (also when it failed). */
    public static <T> T timeInference(String model, Supplier<T> inference) {
        return timed(ModelMetric.INFERENCE_TIME, model, inference);
    }

    /** Runs {@code work} with its timings attributed to {@code function}; the pipeline wraps each request in it. */
    public static <T> T inFunction(String function, Supplier<T> work) {
        String outer = CURRENT_FUNCTION.get();
        CURRENT_FUNCTION.set(function);
        try {
            return work.get();
        } finally {
            if (outer == null) {
                CURRENT_FUNCTION.remove();
            } else {
                CURRENT_FUNCTION.set(outer);
            }
        }
    }

    /**
     * The service name Powertools reads from {@code POWERTOOLS_SERVICE_NAME} (the function's name
     * in AWS); empty where it is not set, as in tests and the local server.
     */
    public static Optional<String> serviceName() {
        String service = LambdaHandlerProcessor.serviceName();
        return LambdaConstants.SERVICE_UNDEFINED.equals(service) ? Optional.empty() : Optional.of(service);
    }

    private static <T> T timed(ModelMetric metric, String model, Supplier<T> work) {
        long started = System.nanoTime();
        try {
            return work.get();
        } finally {
            timing(metric, model, Duration.ofNanos(System.nanoTime() - started));
        }
    }

    private static void timing(ModelMetric metric, String model, Duration took) {
        String function = Optional.ofNullable(CURRENT_FUNCTION.get()).or(Telemetry::serviceName).orElse("unknown");
        ModelTiming timing = new ModelTiming(metric, function, model, took);
        forEachSink(sink -> sink.timing(timing));
    }

    /** Metrics are never worth failing a request for: a broken sink is logged and skipped. */
    private static void forEachSink(Consumer<MetricsSink> action) {
        for (MetricsSink sink : sinks) {
            try {
                action.accept(sink);
            } catch (RuntimeException e) {
                LOG.warn("could not record metrics in {}", sink.getClass().getSimpleName(), e);
            }
        }
    }
}
