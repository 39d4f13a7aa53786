package dev.mlapi.core.http;

/** Who may call a route. */
public enum Access {
    /** Anyone; a token, if sent, is verified and available to the handler. */
    PUBLIC,
    /** A valid token of any role. */
    USER,
    /**
     * A valid token of any role, checked alongside the work instead of before it: the token's
     * signature and claims are verified first (a bad token is refused at once), then the lookup
     * of the user and the token's revocation runs concurrently with the route, and the answer
     * waits for both; a revoked token or deleted user gets 401 and nothing of the route's result.
     * Only for routes with no effect before their answer (a pure computation such as classify or
     * predict): the route runs for a token that may turn out revoked. Mutating routes use
     * {@link #USER}.
     */
    USER_OVERLAPPED,
    /** A valid token with the admin role. */
    ADMIN
}
