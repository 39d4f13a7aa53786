package dev.mlapi.infra;

/**
 * What a function does beyond the baseline every function gets (verify tokens against the users
 * and tokens tables and the JWT secret; record its requests in the request log). Each capability
 * stands for the least IAM grants and the environment that work needs; {@link MlApiStack} turns
 * it into both.
 */
public enum Capability {

    /** Register, update, list and delete users; revoke tokens. */
    MANAGE_USERS,

    /** Create the first admin from the generated password secret at start-up. */
    BOOTSTRAP_ADMIN,

    /** Read model manifests and files from the registry bucket. */
    READ_MODELS,

    /** Upload, presign and delete model versions in the registry bucket (implies {@link #READ_MODELS}). */
    WRITE_MODELS,

    /** Run ONNX models through DJL: DJL must stay offline (no telemetry probe at class load). */
    RUN_ONNX,

    /** Classify images with the deployment's default image model unless the request names one. */
    CLASSIFY_IMAGES
}
