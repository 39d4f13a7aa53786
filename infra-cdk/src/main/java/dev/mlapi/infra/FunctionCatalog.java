package dev.mlapi.infra;

import static dev.mlapi.infra.Capability.BOOTSTRAP_ADMIN;
import static dev.mlapi.infra.Capability.CLASSIFY_IMAGES;
import static dev.mlapi.infra.Capability.MANAGE_USERS;
import static dev.mlapi.infra.Capability.READ_MODELS;
import static dev.mlapi.infra.Capability.RUN_ONNX;
import static dev.mlapi.infra.Capability.WRITE_MODELS;
import static dev.mlapi.infra.FunctionSpec.FAST_START_JVM;
import static dev.mlapi.infra.FunctionSpec.FULL_JIT_JVM;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Every function the stack deploys, one line each. A test holds this list to the modules under
 * {@code functions/} and to {@code template.yaml}: a new module fails the build until it has a line here.
 */
public final class FunctionCatalog {

    public static final List<FunctionSpec> ALL = List.of(
            new FunctionSpec("login",
                    "Registration, login, logout, password change and user administration.",
                    "dev.mlapi.login.LoginHandler::handleRequest",
                    1024, Duration.ofSeconds(15),
                    "PBKDF2 (600k iterations) is CPU-bound and CPU grows with memory; 15 s bounds a stuck call.",
                    FULL_JIT_JVM,
                    Set.of(MANAGE_USERS, BOOTSTRAP_ADMIN)),
            new FunctionSpec("health",
                    "Liveness, version and (for admins) runtime details.",
                    "dev.mlapi.health.CheckHealthHandler::handleRequest",
                    512, Duration.ofSeconds(10),
                    "JSON and at most two DynamoDB reads: nothing to compute, nothing slow.",
                    FAST_START_JVM,
                    Set.of()),
            new FunctionSpec("classify",
                    "Image classification with ONNX models from the registry.",
                    "dev.mlapi.classify.ClassifyImageHandler::handleRequest",
                    2048, Duration.ofSeconds(29),
                    "ONNX Runtime needs memory beside the heap and CPU grows with it; 29 s covers URL fetch and model load.",
                    FAST_START_JVM,
                    Set.of(READ_MODELS, RUN_ONNX, CLASSIFY_IMAGES)),
            new FunctionSpec("models",
                    "The S3 model registry: list, register (multipart or presigned), alias, delete.",
                    "dev.mlapi.models.ManageModelsHandler::handleRequest",
                    1024, Duration.ofSeconds(29),
                    "Holds a model file while reading its signature; a commit streams every file through SHA-256.",
                    FULL_JIT_JVM,
                    Set.of(WRITE_MODELS)));

    private FunctionCatalog() {
    }

    public static Optional<FunctionSpec> find(String name) {
        return ALL.stream().filter(spec -> spec.name().equals(name)).findFirst();
    }
}
