package dev.mlapi.catalog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.Collections;

/**
 * How one function module is deployed: its kind, handler, size with the reason for it, JVM
 * options, environment, trigger and the exact IAM actions it may use. HTTP functions get their
 * routes from {@code openapi.yaml} ({@code x-function}); event functions from their trigger.
 *
 * @param name         the function's name; unless {@code module} says otherwise also its module's folder
 *                     under {@code functions/}
 * @param module       the module whose jar holds the handler: {@code functions/<module>/target/<module>.jar}
 *                     (a worker may share its API function's module, as {@code train-worker} does {@code train}'s)
 * @param handler      {@code package.Class::method}
 * @param timeout      HTTP: at most 29 s (API Gateway waits 30 s); authorizer: at most 10 s; event: at most
 *                     15 minutes
 * @param sizingReason one line: why this memory and timeout
 * @param grants       every permission, one grant per resource (the baseline included)
 * @param environment  every variable the function gets in AWS, in a stable order
 * @param snapStart    whether published versions start from a SnapStart snapshot (on unless
 *                     {@link Builder#optSnapStart} says otherwise). Priming follows it: a function primes at
 *                     init only when Lambda initialises for a snapshot (or provisioned concurrency), never
 *                     on demand ({@code dev.mlapi.core.runtime.Priming})
 */
public record FunctionSpec(
        String name,
        String module,
        Kind kind,
        String description,
        String handler,
        int memoryMb,
        Duration timeout,
        String sizingReason,
        List<Grant> grants,
        Map<String, EnvValue> environment,
        Optional<Trigger> trigger,
        Optional<Throttle> routeThrottle,
        boolean snapStart) {

    /**
     * API Gateway's limit on each of a function's routes, below the API's own: a flood of one
     * expensive route (classify) is refused with 429 at the gateway before it can take the
     * account's Lambda concurrency from the others (login).
     */
    public record Throttle(int ratePerSecond, int burst) {
        public Throttle {
            if (ratePerSecond < 1 || burst < 1) {
                throw new IllegalArgumentException("a route throttle needs a positive rate and burst");
            }
        }
    }

    /**
     * An HTTP function answers routes; an event function consumes a stream or queue; an
     * authorizer is API Gateway's Lambda authorizer in front of every route that needs a token.
     */
    public enum Kind { HTTP, EVENT, AUTHORIZER }

    /**
     * C1 only: the quickest start for functions whose requests are I/O or native code, not Java
     * computation. Lambda's java21 runtime already stops at level 1; saying so keeps {@code sam
     * local} and any future runtime default the same.
     */
    public static final String FAST_START_JVM = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1";

    /**
     * Full tiered JIT up to C2, for CPU-bound Java work. It must be explicit: Lambda's java21
     * runtime stops at level 1 by default. Only C2 uses the SHA-256 intrinsics: measured on JDK 17,
     * PBKDF2 with 600,000 iterations took 1.3 s with C1 only against 0.15 s.
     */
    public static final String FULL_JIT_JVM = "-XX:+TieredCompilation -XX:TieredStopAtLevel=4";

    private static final Duration MAX_HTTP_TIMEOUT = Duration.ofSeconds(29);
    private static final Duration MAX_EVENT_TIMEOUT = Duration.ofMinutes(15);
    /** API Gateway waits at most 10 s for an HTTP API's Lambda authorizer. */
    private static final Duration MAX_AUTHORIZER_TIMEOUT = Duration.ofSeconds(10);
    private static final int MAX_DESCRIPTION = 256;

    public FunctionSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(handler, "handler");
        Objects.requireNonNull(timeout, "timeout");
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("function name must be a module folder name: " + name);
        }
        Objects.requireNonNull(module, "module");
        if (!module.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException(name + ": module must be a folder name under functions/, got " + module);
        }
        if (!handler.matches("[\\w.$]+::\\w+")) {
            throw new IllegalArgumentException(name + ": handler must be package.Class::method, got " + handler);
        }
        if (memoryMb < 128 || memoryMb > 10_240) {
            throw new IllegalArgumentException(name + ": memory must be 128..10240 MB, got " + memoryMb);
        }
        Duration max = switch (kind) {
            case HTTP -> MAX_HTTP_TIMEOUT;
            case EVENT -> MAX_EVENT_TIMEOUT;
            case AUTHORIZER -> MAX_AUTHORIZER_TIMEOUT;
        };
        if (timeout.isZero() || timeout.isNegative() || timeout.compareTo(max) > 0) {
            throw new IllegalArgumentException(name + ": timeout must be 1.." + max.toSeconds() + " s for an "
                    + kind + " function" + switch (kind) {
                        case HTTP -> " (API Gateway waits 30 s)";
                        case AUTHORIZER -> " (API Gateway waits 10 s for an authorizer)";
                        case EVENT -> "";
                    } + ", got " + timeout);
        }
        if (sizingReason == null || sizingReason.isBlank()) {
            throw new IllegalArgumentException(name + ": say in one line why " + memoryMb + " MB and "
                    + timeout.toSeconds() + " s");
        }
        if (description == null || description.isBlank()) {
            throw new IllegalArgumentException(name + ": a description is required");
        }
        if (lambdaDescription(description, memoryMb, timeout, sizingReason).length() > MAX_DESCRIPTION) {
            throw new IllegalArgumentException(name + ": description and sizing reason exceed Lambda's 256 characters");
        }
        if ((kind == Kind.EVENT) != trigger.isPresent()) {
            throw new IllegalArgumentException(name + ": an event function needs a trigger, an HTTP function has none");
        }
        if (kind != Kind.HTTP && routeThrottle.isPresent()) {
            throw new IllegalArgumentException(name + ": only an HTTP function has routes to throttle");
        }
        grants = List.copyOf(grants);
        environment = Collections.unmodifiableMap(new LinkedHashMap<>(environment));
    }

    /** Starts an HTTP function: it verifies tokens and records every request (the baseline grants). */
    public static Builder http(String name) {
        return new Builder(name, Kind.HTTP);
    }

    /**
     * Starts API Gateway's Lambda authorizer: it verifies a token's signature and lifetime with
     * the signing key and reads no table, so its baseline is the key alone.
     */
    public static Builder authorizer(String name) {
        return new Builder(name, Kind.AUTHORIZER);
    }

    /** Starts an event function, invoked by {@code trigger}. */
    public static Builder event(String name) {
        return new Builder(name, Kind.EVENT);
    }

    /** The actions granted on {@code resource}; empty when none. */
    public SortedSet<String> actionsOn(Resource resource) {
        return grants.stream().filter(g -> g.resource() == resource).findFirst()
                .map(Grant::actions).orElse(new TreeSet<>());
    }

    public String handlerClass() {
        return handler.substring(0, handler.indexOf("::"));
    }

    public String handlerMethod() {
        return handler.substring(handler.indexOf("::") + 2);
    }

    /**
     * The prefix of the function's resources in both deployments ({@code train-worker} →
     * {@code TrainWorker}: {@code TrainWorkerFunction}, {@code TrainWorkerRole}…).
     */
    public String logicalName() {
        StringBuilder id = new StringBuilder();
        for (String part : name.split("-")) {
            id.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return id.toString();
    }

    /** Where the build puts the module's shaded jar, relative to the repository root. */
    public String jarPath() {
        return "functions/" + module + "/target/" + module + ".jar";
    }

    /** The Lambda's description: what it does, then why it is sized as it is. */
    public String lambdaDescription() {
        return lambdaDescription(description, memoryMb, timeout, sizingReason);
    }

    /** The JVM options this function deploys with ({@code JAVA_TOOL_OPTIONS}). */
    public String jvmOptions() {
        return environment.get(Env.JAVA_TOOL_OPTIONS) instanceof EnvValue.Literal literal ? literal.value() : "";
    }

    private static String lambdaDescription(String description, int memoryMb, Duration timeout, String reason) {
        return description + " Sized " + memoryMb + " MB/" + timeout.toSeconds() + " s: " + reason;
    }

    /** Declares a function; {@code set…} calls are required, {@code opt…} calls optional. */
    public static final class Builder {
        private final String name;
        private final Kind kind;
        private String module;
        private String description;
        private String handler;
        private int memoryMb;
        private Duration timeout;
        private String sizingReason;
        private String jvmOptions = FAST_START_JVM;
        private Trigger trigger;
        private Throttle routeThrottle;
        private boolean snapStart = true;
        private final Map<Resource, SortedSet<String>> grants = new TreeMap<>();
        private final Map<String, EnvValue> extraEnvironment = new LinkedHashMap<>();

        private Builder(String name, Kind kind) {
            this.name = name;
            this.kind = kind;
            optGrant(Grant.of(Resource.OWN_LOG_GROUP, "logs:CreateLogStream", "logs:PutLogEvents"));
            if (kind == Kind.HTTP) {
                // Token verification reads the user and the revocation entry in one BatchGetItem.
                optGrant(Grant.of(Resource.USERS_TABLE, "dynamodb:GetItem", "dynamodb:BatchGetItem"));
                optGrant(Grant.of(Resource.TOKENS_TABLE, "dynamodb:GetItem", "dynamodb:BatchGetItem"));
                optGrant(Grant.of(Resource.REQUEST_LOG_TABLE, "dynamodb:PutItem"));
                optGrant(Grant.of(Resource.JWT_SECRET, "secretsmanager:GetSecretValue"));
                optEnv(Env.TOKEN_TTL_SECONDS, new EnvValue.Literal(Env.DEFAULT_TOKEN_TTL_SECONDS));
                optEnv(Env.REQUEST_LOG_RETENTION_DAYS, new EnvValue.Literal(Env.DEFAULT_REQUEST_LOG_RETENTION_DAYS));
            }
            if (kind == Kind.AUTHORIZER) {
                // The signing key only: the functions behind it still check revocation and the user in DynamoDB.
                optGrant(Grant.of(Resource.JWT_SECRET, "secretsmanager:GetSecretValue"));
            }
        }

        public Builder setDescription(String description) {
            this.description = description;
            return this;
        }

        public Builder setHandler(String handler) {
            this.handler = handler;
            return this;
        }

        /** Memory and timeout, with one line saying why. */
        public Builder setSize(int memoryMb, Duration timeout, String reason) {
            this.memoryMb = memoryMb;
            this.timeout = timeout;
            this.sizingReason = reason;
            return this;
        }

        /** Required for an event function. */
        public Builder setTrigger(Trigger trigger) {
            this.trigger = trigger;
            return this;
        }

        /** Each of the function's routes at most this fast (the API's own limit otherwise). */
        public Builder optRouteThrottle(int ratePerSecond, int burst) {
            this.routeThrottle = new Throttle(ratePerSecond, burst);
            return this;
        }

        /** The module (and jar) holding the handler, when it is not the function's own name. */
        public Builder optModule(String module) {
            this.module = module;
            return this;
        }

        /**
         * SnapStart on published versions, on unless set: Java's snapshots cost nothing extra and priming
         * runs before them, so no request waits for it. Off: every cold start is on demand (no priming).
         */
        public Builder optSnapStart(boolean on) {
            this.snapStart = on;
            return this;
        }

        /** {@link FunctionSpec#FAST_START_JVM} unless set. */
        public Builder optJvm(String jvmOptions) {
            this.jvmOptions = jvmOptions;
            return this;
        }

        public Builder optGrant(Resource resource, String... actions) {
            return optGrant(Grant.of(resource, actions));
        }

        public Builder optGrant(Grant grant) {
            grants.computeIfAbsent(grant.resource(), r -> new TreeSet<>()).addAll(grant.actions());
            return this;
        }

        public Builder optEnv(String variable, EnvValue value) {
            extraEnvironment.put(variable, value);
            return this;
        }

        public FunctionSpec build() {
            if (trigger != null) {
                trigger.visit(stream -> {
                    optGrant(stream.streamReadGrant());
                    optGrant(Grant.of(Resource.OWN_FAILURE_QUEUE, "sqs:SendMessage"));
                }, sqs -> {
                    // A message must stay hidden while every retry of its invocation may still run.
                    if (timeout != null && sqs.queue().visibilityTimeout().compareTo(timeout.multipliedBy(6)) < 0) {
                        throw new IllegalArgumentException(name + ": the visibility timeout of "
                                + sqs.queue().logicalId() + " (" + sqs.queue().visibilityTimeout().toSeconds()
                                + " s) must be at least 6 times the function's timeout (" + timeout.toSeconds() + " s)");
                    }
                    optGrant(sqs.consumeGrant());
                }, schedule -> {
                    // EventBridge invokes through the function's resource policy: no grant on the role.
                    // A run must end before the next starts, or two runs would sweep the same keys at once.
                    if (timeout != null && schedule.parsed() instanceof ScheduleExpression.Rate rate
                            && timeout.compareTo(rate.period()) >= 0) {
                        throw new IllegalArgumentException(name + ": the timeout (" + timeout.toSeconds()
                                + " s) must be shorter than the schedule's period (" + schedule.expression() + ")");
                    }
                });
            }
            List<Grant> grantList = new ArrayList<>();
            grants.forEach((resource, actions) -> grantList.add(new Grant(resource, actions)));
            Map<String, EnvValue> environment = new TreeMap<>();
            grants.keySet().forEach(resource -> resource.envVar()
                    .ifPresent(variable -> environment.putIfAbsent(variable, new EnvValue.ResourceName(resource))));
            environment.putAll(extraEnvironment);
            environment.put(Env.JAVA_TOOL_OPTIONS, new EnvValue.Literal(jvmOptions));
            environment.put(Env.POWERTOOLS_SERVICE_NAME, new EnvValue.Literal(name));
            environment.put(Env.POWERTOOLS_METRICS_NAMESPACE, new EnvValue.Literal(Env.METRICS_NAMESPACE));
            environment.put(Env.POWERTOOLS_LOG_LEVEL, new EnvValue.Literal(Env.DEFAULT_LOG_LEVEL));
            return new FunctionSpec(name, module == null ? name : module, kind, description, handler, memoryMb, timeout, sizingReason, grantList,
                    environment, Optional.ofNullable(trigger), Optional.ofNullable(routeThrottle), snapStart);
        }
    }
}
