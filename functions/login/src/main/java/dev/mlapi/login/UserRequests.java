package dev.mlapi.login;

/** Request bodies of the login function. Strings only: validation gives the field-level errors. */
final class UserRequests {

    private UserRequests() {
    }

    /** {@code POST /auth/users}. */
    record Register(String username, String password, String email, String role) {
    }

    /** {@code POST /auth/login} (also accepted form-encoded, as the OAuth2 password flow sends it). */
    record Login(String username, String password) {
    }

    /** {@code POST /auth/password}. */
    record ChangePassword(String currentPassword, String newPassword) {
    }
}
