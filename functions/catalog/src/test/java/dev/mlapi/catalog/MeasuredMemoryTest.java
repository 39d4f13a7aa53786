package dev.mlapi.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Every function's memory against the peak RSS its jar reached under its sample request, as
 * {@code dev.mlapi.local.bench.SizingBenchmark} measured it and wrote it to
 * {@code measured-peak-memory.properties}: the setting must leave a quarter above the peak (the
 * headroom the benchmark chooses with). Lowering a function's memory below that, or adding a
 * function without measuring it, fails here; re-run the benchmark (BENCHMARKS.md, "Sizing from
 * measurement") to refresh the peaks.
 */
class MeasuredMemoryTest {

    static final double HEADROOM = 1.25;

    private static Properties peaks() throws IOException {
        Properties peaks = new Properties();
        try (InputStream in = MeasuredMemoryTest.class.getResourceAsStream("measured-peak-memory.properties")) {
            assertThat(in).as("measured-peak-memory.properties beside this test").isNotNull();
            peaks.load(in);
        }
        return peaks;
    }

    @Test
    void everyFunction_hasAMeasuredPeak_andNoOtherIsListed() throws IOException {
        Set<String> functions = FunctionCatalog.ALL.stream().map(FunctionSpec::name).collect(Collectors.toSet());
        assertThat(peaks().stringPropertyNames()).as("functions with a measured peak (run SizingBenchmark)")
                .containsExactlyInAnyOrderElementsOf(functions);
    }

    @Test
    void everyFunctionsMemory_leavesTheHeadroomAboveItsMeasuredPeak() throws IOException {
        Properties peaks = peaks();
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            String peak = peaks.getProperty(spec.name());
            if (peak == null) {
                continue; // the test above names it
            }
            assertThat((double) spec.memoryMb()).as("%s: %d MB against a measured peak RSS of %s MB × %.2f",
                            spec.name(), spec.memoryMb(), peak, HEADROOM)
                    .isGreaterThanOrEqualTo(Double.parseDouble(peak) * HEADROOM);
        }
    }
}
