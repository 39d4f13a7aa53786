package dev.mlapi.core.http;

/** Who may call a route. */
public enum Access {
    /** Anyone; a token, if sent, is verified and available to the handler. */
    PUBLIC,
    /** A valid token of any role. */
    USER,
    /** A valid token with the admin role. */
    ADMIN
}
