package dev.mlapi.core.users;

import dev.mlapi.core.page.Page;
import java.util.Optional;

/** Port to the users table. */
public interface UserStore {

    /** Stores a new user; a taken username is a {@code Conflict}. */
    void create(User user);

    Optional<User> find(String username);

    Page<User> list(int limit, Optional<String> cursor);

    /** Replaces the password if the stored hash is still {@code expectedHash}; else {@code Conflict}. */
    void replacePassword(User updated, String expectedHash);

    /** Deletes the user; false if there was none. */
    boolean delete(String username);
}
