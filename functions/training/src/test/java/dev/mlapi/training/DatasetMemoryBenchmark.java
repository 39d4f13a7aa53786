package dev.mlapi.training;

import java.io.BufferedWriter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * The memory a parsed training table takes: generates a CSV of {@code bench.mb} megabytes
 * ({@code numeric}: 20 number columns and a class; {@code mixed}: the same with a categorical
 * column and one blank cell in 50), parses it as the worker does, and prints the rows, the heap
 * the parsed table keeps (after GC), the peak heap and the process's peak RSS (VmHWM). One table
 * per JVM, so the peaks are the parse's alone. Asserts nothing.
 *
 * <pre>./mvnw -q -o -pl functions/training -am test-compile exec:exec@memory -Dbench.table=numeric -Dbench.mb=100</pre>
 * (the CSV is generated once into {@code java.io.tmpdir}; the JVM runs with {@code -Xmx4g}, a 4 GB worker's heap at most)
 */
public final class DatasetMemoryBenchmark {

    private DatasetMemoryBenchmark() {
    }

    public static void main(String[] args) throws IOException {
        String table = System.getProperty("bench.table", "numeric");
        int megabytes = Integer.getInteger("bench.mb", 100);
        Path csv = Path.of(System.getProperty("java.io.tmpdir"), "mlapi-memory-" + table + "-" + megabytes + ".csv");
        if (!Files.exists(csv)) {
            generate(csv, table.equals("mixed"), megabytes * 1024L * 1024);
        }
        long fileBytes = Files.size(csv);
        long baseline = retainedHeap();
        long started = System.nanoTime();
        TabularDataset data;
        // the worker's path: the object's stream, digested and parsed in one pass
        try (var in = new java.security.DigestInputStream(Files.newInputStream(csv), sha256());
                var reader = new java.io.InputStreamReader(in, StandardCharsets.UTF_8)) {
            data = TabularDataset.parseCsv(reader, Optional.of("label"), true, TableSchema.Overrides.NONE,
                    DatasetLimits.UNLIMITED);
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        long retained = retainedHeap() - baseline;
        System.out.printf(Locale.ROOT, "%-8s %8.1f MB file  %,10d rows  %3d features  parse %5.1f s  retained heap %7.1f MB"
                        + " (%5.0f B/row)  peak heap %7.1f MB  peak RSS %7.1f MB%n",
                table, fileBytes / 1048576.0, data.size(), data.featureNames().size(), seconds, retained / 1048576.0,
                (double) retained / data.size(), peakHeap() / 1048576.0, peakRss() / 1048576.0);
    }

    private static void generate(Path csv, boolean mixed, long bytes) throws IOException {
        Random random = new Random(7);
        String[] colours = {"red", "green", "blue", "amber", "violet"};
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
            StringBuilder header = new StringBuilder();
            for (int c = 0; c < 20; c++) {
                header.append('x').append(c).append(',');
            }
            out.write(header + (mixed ? "colour," : "") + "label\n");
            long written = 0;
            StringBuilder row = new StringBuilder();
            while (written < bytes) {
                row.setLength(0);
                double sum = 0;
                for (int c = 0; c < 20; c++) {
                    double v = random.nextGaussian();
                    sum += c < 3 ? v : 0;
                    if (mixed && random.nextInt(50) == 0) {
                        row.append(',');
                    } else {
                        row.append(String.format(Locale.ROOT, "%.3f,", v));
                    }
                }
                if (mixed) {
                    row.append(colours[random.nextInt(colours.length)]).append(',');
                }
                row.append(sum > 0 ? "yes" : "no").append('\n');
                out.write(row.toString());
                written += row.length();
            }
        }
    }

    private static java.security.MessageDigest sha256() {
        try {
            return java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long retainedHeap() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static long peakHeap() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }

    private static long peakRss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        return -1;
    }
}
