package dev.mlapi.inference;

import ai.djl.engine.Engine;

/**
 * Puts DJL in offline mode before any of its classes load: otherwise its engine start-up calls
 * the EC2 metadata service (169.254.169.254) for telemetry. The deployment also sets
 * {@code DJL_OFFLINE=true}; this makes the code safe without it.
 */
public final class Djl {

    static final String ENGINE = "OnnxRuntime";

    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
        // With ONNX Runtime as the only engine there is nothing to fall back to; skip the lookup.
        setIfAbsent("ai.djl.onnx.disable_alternative", "true");
    }

    private Djl() {
    }

    /** Runs the static initialiser; call before touching any DJL class. */
    static void offline() {
        // the static block above does the work
    }

    /**
     * Starts DJL's ONNX Runtime engine (native library, {@code OrtEnvironment}) now, at init.
     * DJL creates the process-wide {@code OrtEnvironment} with threading options and fails if
     * other code in the same JVM created it first; after this, plain
     * {@code OrtEnvironment.getEnvironment()} elsewhere gets the same environment.
     */
    public static void startEngine() {
        offline();
        Engine.getEngine(ENGINE);
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
