package dev.mlapi.core.observability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The same measurements as the EMF records, kept in this process and rendered in Prometheus'
 * text exposition format (version 0.0.4): what the local server serves at {@code GET /metrics}.
 *
 * <p>Counters carry the EMF names ({@code requests} → {@code mlapi_requests_total}); timings are
 * histograms in seconds, Prometheus' base unit, where EMF records milliseconds. Label sets are
 * bounded: functions × declared routes, functions × models.
 */
public final class MetricsRegistry implements MetricsSink {

    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    /** Seconds: from a cached DynamoDB read to a model load from S3. */
    private static final double[] BUCKETS = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

    private final Counter requests = new Counter("mlapi_requests_total", "Requests answered.", "function", "route");
    private final Counter errors4xx = new Counter("mlapi_errors_4xx_total", "Requests answered with a 4xx status.",
            "function", "route");
    private final Counter errors5xx = new Counter("mlapi_errors_5xx_total", "Requests answered with a 5xx status.",
            "function", "route");
    private final Histogram latency = new Histogram("mlapi_latency_seconds",
            "Time from receiving a request to its answer.", "function", "route");
    private final Counter coldStarts = new Counter("mlapi_cold_starts_total",
            "Containers started: first requests a function served.", "function");
    private final Histogram modelLoadTime = new Histogram("mlapi_model_load_time_seconds",
            "Time to load a model into memory.", "function", "model");
    private final Histogram inferenceTime = new Histogram("mlapi_inference_time_seconds",
            "Time of one inference.", "function", "model");
    private final Counter events = new Counter("mlapi_events_total",
            "Occurrences such as an alias's canary rolled back (event alias_rollbacks).", "function", "event", "model");

    @Override
    public void request(RequestMeasurement m) {
        requests.increment(m.function(), m.route());
        if (m.clientError()) {
            errors4xx.increment(m.function(), m.route());
        }
        if (m.serverError()) {
            errors5xx.increment(m.function(), m.route());
        }
        latency.observe(m.latency(), m.function(), m.route());
        if (m.coldStart()) {
            coldStarts.increment(m.function());
        }
    }

    @Override
    public void count(String function, String metric, String model) {
        events.increment(function, metric, model);
    }

    @Override
    public void timing(ModelTiming t) {
        Histogram histogram = switch (t.metric()) {
            case MODEL_LOAD_TIME -> modelLoadTime;
            case INFERENCE_TIME -> inferenceTime;
        };
        histogram.observe(t.took(), t.function(), t.model());
    }

    /** Every series, families in a fixed order and series sorted by their labels. */
    public String prometheusText() {
        StringBuilder out = new StringBuilder();
        requests.render(out);
        errors4xx.render(out);
        errors5xx.render(out);
        latency.render(out);
        coldStarts.render(out);
        modelLoadTime.render(out);
        inferenceTime.render(out);
        if (!events.series.isEmpty()) {
            events.render(out);
        }
        return out.toString();
    }

    /** A metric family: name, help, type and its series by label values. */
    private abstract static class Family<S> {
        final String name;
        final String help;
        final String[] labelNames;
        final Map<List<String>, S> series = new ConcurrentHashMap<>();

        Family(String name, String help, String... labelNames) {
            this.name = name;
            this.help = help;
            this.labelNames = labelNames;
        }

        S series(String[] labelValues, Supplier<S> create) {
            return series.computeIfAbsent(List.of(labelValues), key -> create.get());
        }

        void render(StringBuilder out) {
            out.append("# HELP ").append(name).append(' ').append(help).append('\n');
            out.append("# TYPE ").append(name).append(' ').append(type()).append('\n');
            List<Map.Entry<List<String>, S>> sorted = new ArrayList<>(series.entrySet());
            sorted.sort(Comparator.comparing(e -> String.join("\u0000", e.getKey())));
            for (Map.Entry<List<String>, S> entry : sorted) {
                renderSeries(out, entry.getKey(), entry.getValue());
            }
        }

        abstract String type();

        abstract void renderSeries(StringBuilder out, List<String> labelValues, S series);

        /** {@code {function="login",route="POST /auth/login"}} plus an optional extra label. */
        String labels(List<String> values, String extraName, String extraValue) {
            StringBuilder labels = new StringBuilder("{");
            for (int i = 0; i < labelNames.length; i++) {
                labels.append(i == 0 ? "" : ",").append(labelNames[i]).append("=\"").append(escape(values.get(i)))
                        .append('"');
            }
            if (extraName != null) {
                labels.append(',').append(extraName).append("=\"").append(extraValue).append('"');
            }
            return labels.append('}').toString();
        }
    }

    private static final class Counter extends Family<LongAdder> {
        Counter(String name, String help, String... labelNames) {
            super(name, help, labelNames);
        }

        void increment(String... labelValues) {
            series(labelValues, LongAdder::new).increment();
        }

        @Override
        String type() {
            return "counter";
        }

        @Override
        void renderSeries(StringBuilder out, List<String> labelValues, LongAdder count) {
            out.append(name).append(labels(labelValues, null, null)).append(' ').append(count.sum()).append('\n');
        }
    }

    private static final class Histogram extends Family<Histogram.Series> {
        static final class Series {
            final LongAdder[] buckets = new LongAdder[BUCKETS.length];
            final LongAdder count = new LongAdder();
            final DoubleAdder sum = new DoubleAdder();

            Series() {
                for (int i = 0; i < buckets.length; i++) {
                    buckets[i] = new LongAdder();
                }
            }
        }

        Histogram(String name, String help, String... labelNames) {
            super(name, help, labelNames);
        }

        void observe(Duration duration, String... labelValues) {
            double seconds = duration.toNanos() / 1e9;
            Series s = series(labelValues, Series::new);
            for (int i = 0; i < BUCKETS.length; i++) {
                if (seconds <= BUCKETS[i]) {
                    s.buckets[i].increment();
                    break;
                }
            }
            s.sum.add(seconds);
            s.count.increment();
        }

        @Override
        String type() {
            return "histogram";
        }

        @Override
        void renderSeries(StringBuilder out, List<String> labelValues, Series s) {
            long cumulative = 0;
            for (int i = 0; i < BUCKETS.length; i++) {
                cumulative += s.buckets[i].sum();
                out.append(name).append("_bucket").append(labels(labelValues, "le", number(BUCKETS[i])))
                        .append(' ').append(cumulative).append('\n');
            }
            // Read after the buckets: a concurrent observation may already be in a bucket, not yet counted.
            long count = Math.max(s.count.sum(), cumulative);
            out.append(name).append("_bucket").append(labels(labelValues, "le", "+Inf")).append(' ').append(count)
                    .append('\n');
            out.append(name).append("_sum").append(labels(labelValues, null, null)).append(' ')
                    .append(number(s.sum.sum())).append('\n');
            out.append(name).append("_count").append(labels(labelValues, null, null)).append(' ').append(count)
                    .append('\n');
        }
    }

    private static String number(double value) {
        return value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%s", value);
    }

    /** Label values escape backslash, double quote and line feed. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
