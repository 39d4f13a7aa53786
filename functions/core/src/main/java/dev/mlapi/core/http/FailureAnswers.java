package dev.mlapi.core.http;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Errors, {@link ApiPipeline}'s answer to whatever escapes routing, auth or a route: an
 * {@link ApiException} as its problem+json; a failing dependency, as the function's
 * {@link ApiPipeline.DependencyFailures} recognises it, as 503 or 429; running out of memory as
 * 503 (the caller is answered, not left with a closed socket); any other bug as a 500 that says
 * nothing of it. A broken JVM ({@link VirtualMachineError} other than those two) is rethrown.
 */
final class FailureAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(FailureAnswers.class);

    /** The answer and what the request log says of it. */
    record Answer(ApiResponse response, String error) {
    }

    private final ApiPipeline.DependencyFailures dependencyFailures;

    FailureAnswers(ApiPipeline.DependencyFailures dependencyFailures) {
        this.dependencyFailures = dependencyFailures;
    }

    Answer answer(Throwable failure, ApiRequest request) {
        if (failure instanceof ApiException e) {
            return problem(e, request);
        }
        if (failure instanceof RuntimeException e) {
            Optional<ApiException> unavailable = dependencyFailures.apply(e);
            if (unavailable.isPresent()) {
                LOG.warn("dependency unavailable in {} (request {}): {}", request.routeKey(), request.requestId(),
                        e.toString());
                return problem(unavailable.get(), request);
            }
            return bug(e, request);
        }
        if (failure instanceof OutOfMemoryError e) {
            // The failed allocation is garbage by now: answer, so the caller is not left with a closed socket.
            LOG.error("out of memory in {} (request {})", request.routeKey(), request.requestId(), e);
            ApiException unavailable = new ServiceUnavailable("the server ran out of memory for this request; "
                    + "try a smaller input, or again later (request id " + request.requestId() + ")");
            return new Answer(ProblemMapper.render(unavailable, request.path(), request.requestId()),
                    "internal error: OutOfMemoryError");
        }
        if (failure instanceof VirtualMachineError e && !(e instanceof StackOverflowError)) {
            throw e;
        }
        if (failure instanceof Error e) {
            // a StackOverflowError, a LinkageError or an assertion in a library: a bug in this request, not a broken JVM
            return bug(e, request);
        }
        throw new IllegalStateException("not a runtime failure", failure);
    }

    Answer problem(ApiException e, ApiRequest request) {
        return new Answer(ProblemMapper.render(e, request.path(), request.requestId()), e.detail());
    }

    private static Answer bug(Throwable e, ApiRequest request) {
        LOG.error("unhandled error in {} (request {})", request.routeKey(), request.requestId(), e);
        return new Answer(ProblemMapper.internalError(request.path(), request.requestId()),
                "internal error: " + e.getClass().getSimpleName());
    }
}
