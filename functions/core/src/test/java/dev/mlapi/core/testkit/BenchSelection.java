package dev.mlapi.core.testkit;

import java.util.Arrays;
import java.util.Locale;

/**
 * Which benchmarks one {@code exec:exec@bench} run measures. A reactor run such as
 * {@code -pl functions/classify -am … exec:exec@bench} starts the benchmark of every module it
 * builds; {@code -Dbench=classify} (names, comma-separated) lets only those run, the others
 * return at once. Without it, every one runs.
 */
public final class BenchSelection {

    private BenchSelection() {
    }

    /** Whether the benchmark called {@code name} (its module's name, e.g. {@code classify}) should run. */
    public static boolean includes(String name) {
        String only = System.getProperty("bench", "").trim();
        return only.isEmpty() || Arrays.stream(only.toLowerCase(Locale.ROOT).split(","))
                .map(String::trim).anyMatch(name::equals);
    }

    /** Prints why a benchmark did not run; true when it should. */
    public static boolean runs(String name) {
        if (includes(name)) {
            return true;
        }
        System.out.println(name + " benchmark skipped (-Dbench=" + System.getProperty("bench") + ")");
        return false;
    }
}
