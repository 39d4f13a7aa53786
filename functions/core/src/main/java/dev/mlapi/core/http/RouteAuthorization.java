package dev.mlapi.core.http;

import dev.mlapi.core.auth.Authenticator;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.Unauthorized;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * Authentication and roles, {@link ApiPipeline}'s second step: a route's {@link Access} rule
 * applied to the request's token (or, where the route takes it, HTTP Basic). For
 * {@link Access#USER_OVERLAPPED} the stored half of the check (the user and revocation lookup)
 * runs on this class's own thread pool beside the route, and {@link TokenCheck#run} makes the
 * answer wait for it.
 */
final class RouteAuthorization {

    /**
     * Runs the storage half of {@link Access#USER_OVERLAPPED} token checks beside the route; daemon
     * threads, so a function's JVM can still end, idle ones retire after a minute.
     */
    private static final ExecutorService TOKEN_CHECKS = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "token-check");
        thread.setDaemon(true);
        return thread;
    });

    private final Supplier<Authenticator> authenticator;

    RouteAuthorization(Supplier<Authenticator> authenticator) {
        this.authenticator = authenticator;
    }

    /**
     * Authenticates {@code request} as {@code access} requires, or throws (401, 403). A
     * {@code rehearsal} is {@link ApiPipeline#prime()}'s synthetic request.
     */
    TokenCheck authorize(Access access, ApiRequest request, boolean rehearsal) {
        Optional<String> header = request.header("authorization");
        if (access == Access.PUBLIC) {
            // Public routes ignore a stale or broken token (Swagger UI sends it everywhere).
            try {
                authenticator.get().authenticate(header).ifPresent(request::authenticate);
            } catch (Unauthorized ignored) {
                // anonymous
            }
            return TokenCheck.DONE;
        }
        Authenticator tokens = authenticator.get();
        if (tokens.acceptsBasic(request.routeKey(), header)) {
            // HTTP Basic where the route takes it (DRF's): the stored user, the password and the login throttle, now.
            Principal caller = tokens.authenticateBasic(header.orElseThrow(), Optional.ofNullable(request.sourceIp()));
            request.authenticate(caller);
            if (access == Access.ADMIN && !caller.isAdmin()) {
                throw new Forbidden("this route requires the admin role");
            }
            return TokenCheck.DONE;
        }
        Principal claimed = tokens.verifyToken(header).orElseThrow(RouteAuthorization::tokenRequired);
        boolean primingGet = rehearsal && request.method().equals("GET");
        if (access == Access.USER_OVERLAPPED && !primingGet) {
            request.authenticate(claimed);
            return new TokenCheck(CompletableFuture.runAsync(() -> tokens.confirm(claimed), TOKEN_CHECKS));
        }
        confirm(tokens, claimed, primingGet);
        request.authenticate(claimed);
        if (access == Access.ADMIN && !claimed.isAdmin()) {
            throw new Forbidden("this route requires the admin role");
        }
        return TokenCheck.DONE;
    }

    /**
     * The stored half of the token check. For {@link ApiPipeline#prime()}'s {@code GET}s the lookup
     * runs and finds no such user; only then, and only for the priming user's token, the request
     * goes on as the principal it claims (owning nothing, with the role its token names).
     */
    private static void confirm(Authenticator tokens, Principal claimed, boolean primingGet) {
        try {
            tokens.confirm(claimed);
        } catch (Unauthorized unknownUser) {
            if (!primingGet || !claimed.username().equals(ApiPipeline.PRIMING_USERNAME)) {
                throw unknownUser;
            }
        }
    }

    private static Unauthorized tokenRequired() {
        return new Unauthorized("this route requires 'Authorization: Bearer <token>'");
    }

    /** The storage half of a token check, done or running beside the route. */
    record TokenCheck(CompletableFuture<Void> lookup) {
        static final TokenCheck DONE = new TokenCheck(CompletableFuture.completedFuture(null));

        /**
         * Runs the route, then waits for the check if still under way: its failure outranks the
         * route's answer or error, and the caller learns nothing of what the route computed.
         */
        ApiResponse run(RouteHandler handler, ApiRequest request) {
            ApiResponse response;
            try {
                response = handler.handle(request);
            } catch (RuntimeException | Error e) {
                await(request);
                throw e;
            }
            await(request);
            return response;
        }

        /** Returns when the token proved its user; otherwise forgets the caller and what the route logged, and throws. */
        private void await(ApiRequest request) {
            try {
                lookup.join();
            } catch (CompletionException e) {
                request.authenticate(null);
                request.logFields().clear();
                if (e.getCause() instanceof RuntimeException cause) {
                    throw cause;
                }
                if (e.getCause() instanceof Error cause) {
                    throw cause;
                }
                throw e;
            }
        }
    }
}
