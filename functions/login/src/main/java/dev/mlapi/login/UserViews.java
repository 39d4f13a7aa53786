package dev.mlapi.login;

import dev.mlapi.core.auth.IssuedToken;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.users.User;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Response bodies of the login function: what a client may see of a user (never the hash). */
final class UserViews {

    private UserViews() {
    }

    record UserView(String id, String username, Optional<String> email, Role role, Instant createdAt) {
        static UserView of(User user) {
            return new UserView(user.id(), user.username(), user.email(), user.role(), user.createdAt());
        }
    }

    record TokenView(String accessToken, String tokenType, long expiresIn) {
        static TokenView of(IssuedToken token) {
            return new TokenView(token.token(), "bearer", token.expiresInSeconds());
        }
    }

    record UserPage(List<UserView> items, Optional<String> nextCursor) {
        static UserPage of(Page<User> page) {
            return new UserPage(page.items().stream().map(UserView::of).toList(), page.nextCursor());
        }
    }
}
