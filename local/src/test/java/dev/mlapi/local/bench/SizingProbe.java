package dev.mlapi.local.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Method;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import dev.mlapi.core.bench.ColdStartProbe;

/**
 * One function's memory and CPU inside a fresh JVM, run by {@link SizingBenchmark} with a one-class
 * jar in front of the function's own jar on the classpath: the handler's constructor (Lambda's
 * init), the first invoke, then warm invokes of the same request. It reads what Lambda's "Max Memory
 * Used" is close to, the process's resident set ({@code VmHWM}, its peak, and {@code VmRSS} of
 * {@code /proc/self/status}) after init, after the first invoke and at the end; the heap still used
 * after a full GC at the end (the live set); the peak committed heap and the non-heap in use
 * (metaspace, code cache). Per warm invoke it reads the handler thread's CPU time, the whole
 * process's CPU time (GC, JIT and ONNX Runtime's threads too) and the wall time, and counts the
 * HTTP requests the invoke sends, by endpoint (a {@link ProxySelector} that counts and delegates:
 * the SDK's URL-connection client asks it once per request). Figures of the second half of the
 * warm invokes only (the first half's compilation done). Prints one JSON line.
 *
 * <pre>java -cp sizing-probe.jar:login.jar dev.mlapi.local.bench.SizingProbe &lt;handler class&gt; &lt;event.json or a folder of them&gt; &lt;warm invokes&gt;</pre>
 */
public final class SizingProbe {

    private SizingProbe() {
    }

    /** Counts each request's endpoint ({@code host:port}) and leaves the choice of proxy to the JVM's default. */
    private static final class CountingSelector extends ProxySelector {
        private final ProxySelector delegate;
        private final Thread handlerThread = Thread.currentThread();
        /** By endpoint; a {@code pool:} prefix when sent from another thread than the handler's (a query fan-out). */
        private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        private final Set<Long> poolThreads = ConcurrentHashMap.newKeySet();

        CountingSelector(ProxySelector delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<Proxy> select(URI uri) {
            boolean pool = Thread.currentThread() != handlerThread;
            if (pool) {
                poolThreads.add(Thread.currentThread().getId());
            }
            counts.computeIfAbsent((pool ? "pool:" : "") + uri.getHost() + ":" + uri.getPort(), k -> new AtomicLong())
                    .incrementAndGet();
            return delegate == null ? List.of(Proxy.NO_PROXY) : delegate.select(uri);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress address, IOException e) {
            if (delegate != null) {
                delegate.connectFailed(uri, address, e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        CountingSelector calls = new CountingSelector(ProxySelector.getDefault());
        ProxySelector.setDefault(calls);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long rssAtMain = status("VmRSS");

        Class<?> type = Class.forName(args[0]);
        Method handleRequest = ColdStartProbe.handleRequest(type);
        Class<?> eventType = handleRequest.getParameterTypes()[0];
        // One event, sent on every invoke; or a folder of them (the real work of a worker: a fresh job's task per
        // invoke), invoke i sending the i-th in turn.
        Path eventPath = Path.of(args[1]);
        List<Path> eventFiles;
        if (Files.isDirectory(eventPath)) {
            try (var files = Files.list(eventPath)) {
                eventFiles = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
            }
        } else {
            eventFiles = List.of(eventPath);
        }
        List<Object> events = new java.util.ArrayList<>();
        for (Path file : eventFiles) {
            var tree = ColdStartProbe.mapper().readTree(Files.readAllBytes(file));
            if (eventType.getSimpleName().equals("ScheduledEvent") && tree instanceof ObjectNode scheduled) {
                scheduled.remove("time"); // a Joda DateTime, which Lambda's serializer reads and plain Jackson does not; unused
            }
            events.add(ColdStartProbe.mapper().treeToValue(tree, eventType));
        }
        int warmInvokes = Integer.parseInt(args[2]);
        int[] sent = {0};
        java.util.function.Supplier<Object> next = () -> ColdStartProbe.fresh(events.get(sent[0]++ % events.size()));

        long initCpuStart = processCpuNanos()[0];
        Object handler = type.getConstructor().newInstance();
        long initCpu = processCpuNanos()[0] - initCpuStart;
        long hwmInit = status("VmHWM");

        long firstCpuStart = processCpuNanos()[0];
        int firstStatus = status(handleRequest.invoke(handler, next.get(), null));
        long firstCpu = processCpuNanos()[0] - firstCpuStart;
        long hwmFirst = status("VmHWM");

        int kept = warmInvokes - warmInvokes / 2;
        double[] wall = new double[kept];
        double[] wait = new double[kept];
        long threadCpu = 0;
        long[] processCpuStart = new long[4];
        long gcStart = 0;
        int lastStatus = firstStatus;
        for (int i = 0; i < warmInvokes; i++) {
            if (i == warmInvokes / 2) {
                calls.counts.clear();
                calls.poolThreads.clear();
                processCpuStart = processCpuNanos();
                gcStart = gcMillis();
            }
            long t0 = threads.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            lastStatus = status(handleRequest.invoke(handler, next.get(), null));
            long w = System.nanoTime() - w0;
            long t = threads.getCurrentThreadCpuTime() - t0;
            if (i >= warmInvokes / 2) {
                int k = i - warmInvokes / 2;
                wall[k] = w / 1e6;
                wait[k] = Math.max(0, w - t) / 1e6;
                threadCpu += t;
            }
        }
        long[] processCpuEnd = processCpuNanos();
        // The per-thread sum misses threads that ended during the invokes (a fit's tree pool, compiler threads
        // the JVM retires); /proc/self/stat's utime + stime keeps them, at the clock tick's resolution.
        long processCpu = Math.max(processCpuEnd[0] - processCpuStart[0], processCpuEnd[3] - processCpuStart[3]);
        long jitCpu = processCpuEnd[1] - processCpuStart[1];
        long vmCpu = processCpuEnd[2] - processCpuStart[2];
        long gc = gcMillis() - gcStart;
        Map<String, Long> callCounts = new TreeMap<>(calls.counts.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())));
        long hwmEnd = status("VmHWM");
        long rssEnd = status("VmRSS");
        long heapPeakCommitted = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                heapPeakCommitted += pool.getPeakUsage().getCommitted();
            }
        }
        System.gc();
        System.gc();
        var memory = ManagementFactory.getMemoryMXBean();
        long liveHeap = memory.getHeapMemoryUsage().getUsed();
        long nonHeap = memory.getNonHeapMemoryUsage().getUsed();
        long heapMax = memory.getHeapMemoryUsage().getMax();
        Arrays.sort(wall);
        Arrays.sort(wait);
        String callJson = callCounts.entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "\"%s\":%.3f", e.getKey(), e.getValue() / (double) kept))
                .collect(Collectors.joining(",", "{", "}"));
        System.out.printf(Locale.ROOT, "{\"status\":%d,\"warm_status\":%d,\"rss_at_main_mb\":%.1f,\"hwm_init_mb\":%.1f,"
                        + "\"hwm_first_mb\":%.1f,\"hwm_mb\":%.1f,\"rss_end_mb\":%.1f,\"heap_live_mb\":%.1f,"
                        + "\"heap_peak_committed_mb\":%.1f,\"heap_max_mb\":%.1f,\"non_heap_mb\":%.1f,"
                        + "\"init_cpu_ms\":%.1f,\"first_cpu_ms\":%.1f,\"thread_cpu_ms\":%.3f,\"process_cpu_ms\":%.3f,\"gc_ms\":%.3f,\"jit_cpu_ms\":%.3f,\"vm_cpu_ms\":%.3f,"
                        + "\"wall_p50_ms\":%.3f,\"wait_p50_ms\":%.3f,\"threads\":%d,\"pool_threads\":%d,\"failed_invokes\":%d,\"events\":%d,\"calls\":%s}%n",
                firstStatus, lastStatus, rssAtMain / 1024.0, hwmInit / 1024.0, hwmFirst / 1024.0, hwmEnd / 1024.0,
                rssEnd / 1024.0, liveHeap / 1048576.0, heapPeakCommitted / 1048576.0, heapMax / 1048576.0,
                nonHeap / 1048576.0, initCpu / 1e6, firstCpu / 1e6, threadCpu / 1e6 / kept, processCpu / 1e6 / kept, gc / (double) kept,
                jitCpu / 1e6 / kept, vmCpu / 1e6 / kept,
                wall[kept / 2], wait[kept / 2], threads.getThreadCount(), calls.poolThreads.size(), failed, events.size(), callJson);
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    /**
     * The CPU time of every thread of this process, native ones (ONNX Runtime's pool) included, in ns: the sum
     * of {@code /proc/self/task/<tid>/schedstat}'s first field (the JVM's process CPU time counts in 10 ms ticks).
     * Index 0: all threads; 1: the JIT compiler threads; 2: the VM thread (the serial collector runs there,
     * with the handler stopped); 3: the whole process from {@code /proc/self/stat} (ended threads too, 10 ms ticks).
     */
    private static long[] processCpuNanos() throws IOException {
        long[] total = new long[4];
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[11], [12]: utime, stime in clock ticks (USER_HZ, 100 on Linux), every thread's, ended ones too
        total[3] = (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * 10_000_000L;
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String line = Files.readString(task.resolve("schedstat")).trim();
                    long nanos = Long.parseLong(line.substring(0, line.indexOf(' ')));
                    String name = Files.readString(task.resolve("comm")).trim();
                    total[0] += nanos;
                    if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                        total[1] += nanos;
                    } else if (name.equals("VM Thread")) {
                        total[2] += nanos;
                    }
                } catch (IOException | RuntimeException ended) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return total;
    }

    /** The collectors' accumulated pause time (the serial collector stops the handler thread while it runs). */
    private static long gcMillis() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(gc -> Math.max(0, gc.getCollectionTime()))
                .sum();
    }

    /** As {@link ColdStartProbe#status}; an SQS batch response listing failed messages is a 500 (the task's work failed). */
    private static int status(Object response) throws ReflectiveOperationException {
        if (response != null && response.getClass().getSimpleName().equals("SQSBatchResponse")) {
            Object failures = response.getClass().getMethod("getBatchItemFailures").invoke(response);
            if (failures instanceof List<?> list && !list.isEmpty()) {
                return 500;
            }
        }
        int status = ColdStartProbe.status(response);
        if (status >= 400) {
            failed++;
        }
        if (status >= 400 && !reported) {
            reported = true;
            Object body = response;
            try {
                body = response.getClass().getMethod("getBody").invoke(response);
            } catch (ReflectiveOperationException none) {
                // not an HTTP response
            }
            System.err.println("SizingProbe: an invoke answered " + status + ": " + body);
        }
        return status;
    }

    private static boolean reported;
    /** Invokes answered 4xx/5xx (or whose SQS batch response listed failures). */
    private static int failed;

    /** A field of {@code /proc/self/status} in kB. */
    private static long status(String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).replace("kB", "").trim());
            }
        }
        throw new IllegalStateException("no " + field + " in /proc/self/status");
    }
}
