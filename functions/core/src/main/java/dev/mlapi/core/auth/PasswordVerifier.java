package dev.mlapi.core.auth;

/** Checks a password against a stored hash (PBKDF2 in {@link PasswordHasher}): the expensive half of a password login. */
public interface PasswordVerifier {

    boolean verify(String password, String encoded);

    /** Spends the time of a real verification, for an unknown user. */
    void verifyDecoy(String password);
}
