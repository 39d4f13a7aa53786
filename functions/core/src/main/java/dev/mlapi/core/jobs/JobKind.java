package dev.mlapi.core.jobs;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a job of the jobs table does ({@code job_kind}): training, batch scoring or batch tagging.
 * A job item without the attribute is a training job (every job before batch jobs).
 */
public enum JobKind {
    TRAIN("fits"), PREDICT_BATCH("chunks"), CLASSIFY_BATCH("images");

    private final String unit;

    JobKind(String unit) {
        this.unit = unit;
    }

    /** As stored and shown: {@code train}, {@code predict_batch}, {@code classify_batch}. */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What its progress counts ({@code done}/{@code total}). */
    public String unit() {
        return unit;
    }

    /** The stored value's kind; absent is {@link #TRAIN}. */
    public static JobKind stored(Optional<String> value) {
        return value.flatMap(JobKind::parse).orElse(TRAIN);
    }

    /** The kind named {@code value}, or empty when it names none. */
    public static Optional<JobKind> parse(String value) {
        return Arrays.stream(values()).filter(kind -> kind.value().equals(value)).findFirst();
    }

    /** Every value, for messages: {@code train, predict_batch, classify_batch}. */
    public static String allValues() {
        return String.join(", ", Arrays.stream(values()).map(JobKind::value).toList());
    }
}
