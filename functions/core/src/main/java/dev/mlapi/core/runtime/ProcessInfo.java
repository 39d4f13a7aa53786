package dev.mlapi.core.runtime;

import com.sun.management.OperatingSystemMXBean;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Facts about this process (one Lambda container, or the whole local server): memory, CPU,
 * {@code /tmp} space, uptime, and the models that functions in this process have loaded
 * ({@link LoadedModels}).
 */
public final class ProcessInfo {

    private static final Instant STARTED = Instant.now();

    private ProcessInfo() {
    }

    /** The models in this process's memory now, by name and version. */
    public static List<LoadedModels.Entry> loadedModels() {
        return LoadedModels.process().snapshot();
    }

    public static Duration uptime() {
        return Duration.between(STARTED, Instant.now());
    }

    public static Map<String, Object> memory() {
        Runtime runtime = Runtime.getRuntime();
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
        Map<String, Object> memory = new LinkedHashMap<>();
        memory.put("heap_used_bytes", heap.getUsed());
        memory.put("heap_committed_bytes", heap.getCommitted());
        memory.put("heap_max_bytes", runtime.maxMemory());
        memory.put("non_heap_used_bytes", nonHeap.getUsed());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            memory.put("system_total_bytes", os.getTotalMemorySize());
            memory.put("system_free_bytes", os.getFreeMemorySize());
        }
        return memory;
    }

    public static Map<String, Object> cpu() {
        Map<String, Object> cpu = new LinkedHashMap<>();
        cpu.put("available_processors", Runtime.getRuntime().availableProcessors());
        cpu.put("system_load_average", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        if (ManagementFactory.getOperatingSystemMXBean() instanceof OperatingSystemMXBean os) {
            cpu.put("process_cpu_load", os.getProcessCpuLoad());
            cpu.put("process_cpu_time_seconds", os.getProcessCpuTime() / 1e9);
        }
        return cpu;
    }

    /** Space in the temp directory, Lambda's only writable path. */
    public static Map<String, Object> tmpDisk() {
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("path", tmp.getAbsolutePath());
        disk.put("total_bytes", tmp.getTotalSpace());
        disk.put("free_bytes", tmp.getUsableSpace());
        return disk;
    }
}
