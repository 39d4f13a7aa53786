package dev.mlapi.infra;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * How one function module is deployed: its handler, its size with the reason for it, its JVM
 * options and what it is allowed to do.
 *
 * @param name         the module's folder under {@code functions/}; its jar is
 *                     {@code functions/<name>/target/<name>.jar}
 * @param handler      {@code package.Class::method}, as in {@code template.yaml}
 * @param memoryMb     Lambda memory, which also sets the CPU share
 * @param timeout      at most 29 s: API Gateway stops waiting after 30 s
 * @param sizingReason one line: why this memory and timeout
 * @param jvmOptions   {@code JAVA_TOOL_OPTIONS}
 * @param capabilities what it does beyond the baseline every function gets
 */
public record FunctionSpec(
        String name,
        String description,
        String handler,
        int memoryMb,
        Duration timeout,
        String sizingReason,
        String jvmOptions,
        Set<Capability> capabilities) {

    /**
     * C1 only: the quickest start for functions whose requests are I/O or native code, not Java
     * computation. Lambda's java21 runtime already stops at level 1; saying so keeps {@code sam
     * local} and any future runtime default the same.
     */
    public static final String FAST_START_JVM = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    /**
     * Full tiered JIT up to C2, for CPU-bound Java work. It must be explicit: Lambda's java17 and
     * java21 runtimes stop at level 1 by default. Only C2 uses the SHA-256 intrinsics: measured on
     * JDK 17, PBKDF2 with 600,000 iterations took 1.3 s with C1 only against 0.15 s, and SHA-256
     * over 100 MB 0.76 s against 0.07 s.
     */
    public static final String FULL_JIT_JVM = "-XX:+TieredCompilation -XX:TieredStopAtLevel=4";

    private static final Duration MAX_TIMEOUT = Duration.ofSeconds(29);
    private static final int MAX_DESCRIPTION = 256;

    public FunctionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(jvmOptions, "jvmOptions");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("function name must be a module folder name: " + name);
        }
        if (!handler.matches("[\\w.$]+::\\w+")) {
            throw new IllegalArgumentException(name + ": handler must be package.Class::method, got " + handler);
        }
        if (memoryMb < 128 || memoryMb > 10_240) {
            throw new IllegalArgumentException(name + ": memory must be 128..10240 MB, got " + memoryMb);
        }
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(name + ": timeout must be 1..29 s (API Gateway waits 30 s), got " + timeout);
        }
        if (sizingReason == null || sizingReason.isBlank()) {
            throw new IllegalArgumentException(name + ": say in one line why " + memoryMb + " MB and " + timeout.toSeconds() + " s");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException(name + ": a description is required");
        }
        if (lambdaDescription(description, memoryMb, timeout, sizingReason).length() > MAX_DESCRIPTION) {
            throw new IllegalArgumentException(name + ": description and sizing reason exceed Lambda's 256 characters");
        }
        capabilities = capabilities.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(capabilities));
    }

    public boolean can(Capability capability) {
        return capabilities.contains(capability);
    }

    /** Where the build puts the module's shaded jar, relative to the repository root. */
    public String jarPath() {
        return "functions/" + name + "/target/" + name + ".jar";
    }

    /** The Lambda's description: what it does, then why it is sized as it is. */
    public String lambdaDescription() {
        return lambdaDescription(description, memoryMb, timeout, sizingReason);
    }

    private static String lambdaDescription(String description, int memoryMb, Duration timeout, String reason) {
        return description + " Sized " + memoryMb + " MB/" + timeout.toSeconds() + " s: " + reason;
    }
}
