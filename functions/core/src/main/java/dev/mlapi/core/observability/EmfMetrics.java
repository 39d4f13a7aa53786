package dev.mlapi.core.observability;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.util.concurrent.CompletableFuture;
import software.amazon.cloudwatchlogs.emf.environment.Environment;
import software.amazon.cloudwatchlogs.emf.environment.EnvironmentProvider;
import software.amazon.cloudwatchlogs.emf.environment.LambdaEnvironment;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.sinks.ISink;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.internal.EmfMetricsLogger;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;
import software.amazon.lambda.powertools.metrics.provider.MetricsProvider;

/**
 * Measurements as CloudWatch Embedded Metric Format records on stdout, through Powertools'
 * {@link Metrics}: one record per request with the dimension sets {@code [function]} and
 * {@code [function, route]}, so a dashboard reads both per-function totals and per-route
 * figures without metric math; one record per model timing with {@code [function, model]}.
 *
 * <p>Each record is a fresh {@link Metrics} instance from {@link #STDOUT}, not Powertools'
 * {@code MetricsFactory} singleton: that one is keyed by X-Ray trace id, so outside Lambda every
 * concurrent request would share (and flush) one record, and in Lambda an instance that is never
 * {@code flush()}ed stays in its map. A fresh instance per record is thread-safe and leaves nothing behind.
 */
final class EmfMetrics implements MetricsSink {

    /**
     * Powertools' EMF backend, always in EMF's Lambda environment (records on stdout). Left to
     * detect its environment, EMF would probe EC2's and ECS's metadata endpoints and then send to a
     * CloudWatch agent on port 25888 whenever it is not in Lambda: in tests and on a laptop.
     */
    static final MetricsProvider STDOUT = provider(new LambdaEnvironment());

    /** The same records serialized and dropped: what priming flushes into. */
    private static final MetricsProvider DISCARD = provider(new DiscardingEnvironment(new LambdaEnvironment()));

    private static MetricsProvider provider(Environment environment) {
        EnvironmentProvider resolved = new EnvironmentProvider() {
            @Override
            public CompletableFuture<Environment> resolveEnvironment() {
                return CompletableFuture.completedFuture(environment);
            }
        };
        return () -> new EmfMetricsLogger(resolved, new MetricsContext());
    }

    private final String namespace;

    EmfMetrics(String namespace) {
        this.namespace = namespace;
    }

    @Override
    public void request(RequestMeasurement m) {
        request(STDOUT, m);
    }

    @Override
    public void rehearse(RequestMeasurement m) {
        request(DISCARD, m);
    }

    private void request(MetricsProvider provider, RequestMeasurement m) {
        Metrics metrics = record(provider, DimensionSet.of(Telemetry.FUNCTION, m.function()));
        metrics.addDimension(DimensionSet.of(Telemetry.FUNCTION, m.function(), Telemetry.ROUTE, routeDimension(m.route())));
        metrics.addMetric("requests", 1, MetricUnit.COUNT);
        // 0 or 1 on every request: Sum counts the errors, Average is the error rate.
        metrics.addMetric("errors_4xx", m.clientError() ? 1 : 0, MetricUnit.COUNT);
        metrics.addMetric("errors_5xx", m.serverError() ? 1 : 0, MetricUnit.COUNT);
        metrics.addMetric("latency", m.latency().toNanos() / 1e6, MetricUnit.MILLISECONDS);
        if (m.coldStart()) {
            metrics.addMetric("cold_start", 1, MetricUnit.COUNT);
        }
        // Properties, not dimensions: searchable in Logs Insights without creating metrics.
        metrics.addMetadata("request_id", m.requestId());
        metrics.addMetadata("status", m.status());
        metrics.flush();
    }

    @Override
    public void timing(ModelTiming t) {
        Metrics metrics = record(STDOUT, DimensionSet.of(Telemetry.FUNCTION, t.function(), Telemetry.MODEL, t.model()));
        metrics.addMetric(t.metric().metricName(), t.took().toNanos() / 1e6, MetricUnit.MILLISECONDS);
        metrics.flush();
    }

    /** One record with the dimension set {@code [function]}, the model as a property: an alarm reads the count. */
    @Override
    public void count(String function, String metric, String model) {
        Metrics metrics = record(STDOUT, DimensionSet.of(Telemetry.FUNCTION, function));
        metrics.addMetric(metric, 1, MetricUnit.COUNT);
        metrics.addMetadata(Telemetry.MODEL, model);
        metrics.flush();
    }

    /**
     * {@code POST:/auth/login} for {@code POST /auth/login}: Powertools refuses whitespace in a
     * dimension value. (Log lines and the Prometheus labels keep the route key as declared.)
     */
    static String routeDimension(String routeKey) {
        return routeKey.replace(' ', ':');
    }

    /** Lambda's EMF environment whose sink serializes each record (the work of a flush) and drops it. */
    private record DiscardingEnvironment(Environment lambda) implements Environment {
        @Override
        public boolean probe() {
            return true;
        }

        @Override
        public String getName() {
            return lambda.getName();
        }

        @Override
        public String getType() {
            return lambda.getType();
        }

        @Override
        public String getLogGroupName() {
            return lambda.getLogGroupName();
        }

        @Override
        public void configureContext(MetricsContext context) {
            lambda.configureContext(context);
        }

        @Override
        public ISink getSink() {
            return new ISink() {
                @Override
                public void accept(MetricsContext context) {
                    try {
                        context.serialize();
                    } catch (JsonProcessingException e) {
                        throw new IllegalStateException(e);
                    }
                }

                @Override
                public CompletableFuture<Void> shutdown() {
                    return CompletableFuture.completedFuture(null);
                }
            };
        }
    }

    private Metrics record(MetricsProvider provider, DimensionSet dimensions) {
        Metrics metrics = provider.getMetricsInstance();
        metrics.setNamespace(namespace);
        metrics.setDefaultDimensions(dimensions);
        return metrics;
    }
}
