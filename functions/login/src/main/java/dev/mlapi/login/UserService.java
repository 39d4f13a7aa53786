package dev.mlapi.login;

import dev.mlapi.core.auth.IssuedToken;
import dev.mlapi.core.auth.JwtService;
import dev.mlapi.core.auth.PasswordHasher;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.users.Role;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.Unauthorized;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.page.SignedCursor;
import dev.mlapi.core.runtime.Primer;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.users.TokenStore;
import dev.mlapi.core.users.User;
import dev.mlapi.core.users.UserStore;
import dev.mlapi.core.users.Usernames;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Accounts and sessions: registration, login, logout, password change, administration. */
public final class UserService implements Primer {

    private static final Logger LOG = LoggerFactory.getLogger(UserService.class);
    static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]+\\.[^@\\s]+");
    static final int MIN_PASSWORD = 8;
    static final int MAX_PASSWORD = 128;

    private final UserStore users;
    private final TokenStore tokens;
    private final JwtService jwt;
    private final PasswordHasher hasher;
    private final Clock clock;
    private final LoginThrottle throttle;
    private final Supplier<SignedCursor> cursors;

    /** @param cursors the signer of the user listing's cursors (built on first use: it needs the signing secret) */
    public UserService(UserStore users, TokenStore tokens, JwtService jwt, PasswordHasher hasher, Clock clock,
            LoginThrottle throttle, Supplier<SignedCursor> cursors) {
        this.users = users;
        this.tokens = tokens;
        this.jwt = jwt;
        this.hasher = hasher;
        this.clock = clock;
        this.throttle = throttle;
        this.cursors = cursors;
    }

    /** The user listing's cursors, keyed by the signing secret: a cursor of another listing or an altered one is a 400. */
    public static SignedCursor cursorsWithSecret(String secret) {
        return SignedCursor.withSecret(secret, "mlapi users cursor v1", "listing");
    }

    /**
     * The reads of a login for a name no account can have (the failure counters, the user) and
     * one decoy password check, which compiles PBKDF2's loop: nothing is counted or stored.
     */
    @Override
    public void prime() {
        String nobody = "~priming";
        throttle.check(nobody, Optional.of("127.0.0.1"));
        users.find(nobody);
        hasher.verifyDecoy("priming-password");
    }

    /** Creates a user; only an admin caller may create another admin. */
    public User register(UserRequests.Register request, Optional<Principal> caller) {
        List<FieldError> errors = new ArrayList<>();
        String username = validUsername(request.username(), errors);
        validPassword("password", request.password(), errors);
        Optional<String> email = Optional.ofNullable(request.email()).map(String::trim);
        email.filter(e -> e.length() > 254 || !EMAIL.matcher(e).matches())
                .ifPresent(e -> errors.add(new FieldError("email", "is not a valid e-mail address")));
        Role role = Role.USER;
        if (request.role() != null) {
            try {
                role = Role.parse(request.role());
            } catch (InvalidInput e) {
                errors.addAll(e.errors());
            }
        }
        throwIfAny(errors);
        if (role == Role.ADMIN && !caller.map(Principal::isAdmin).orElse(false)) {
            throw new Forbidden("only an admin may create an admin account");
        }
        User user = new User(UUID.randomUUID().toString(), username, email, role, hasher.hash(request.password()),
                clock.instant().truncatedTo(ChronoUnit.MILLIS), 0);
        users.create(user);
        return user;
    }

    /**
     * Checks the password and issues a token; the same 401 for an unknown user and a wrong
     * password, and the same 429 for both once the username or {@code source} failed too often.
     */
    public IssuedToken login(UserRequests.Login request, Optional<String> source) {
        List<FieldError> errors = new ArrayList<>();
        if (request.username() == null || request.username().isBlank()) {
            errors.add(new FieldError("username", "is required"));
        }
        if (request.password() == null || request.password().isEmpty()) {
            errors.add(new FieldError("password", "is required"));
        }
        if (errors.isEmpty() && !Usernames.isValid(request.username().trim().toLowerCase(Locale.ROOT))) {
            // no account can have this name: a 400, never a storage call with a key DynamoDB refuses
            errors.add(new FieldError("username", Usernames.rule()));
        }
        throwIfAny(errors);
        String username = request.username().trim().toLowerCase(Locale.ROOT);
        throttle.check(username, source);
        Optional<User> user = users.find(username);
        if (user.isEmpty()) {
            hasher.verifyDecoy(request.password());
            throttle.recordFailure(username, source);
            throw new Unauthorized("incorrect username or password");
        }
        if (!hasher.verify(request.password(), user.get().passwordHash())) {
            throttle.recordFailure(username, source);
            throw new Unauthorized("incorrect username or password");
        }
        return jwt.issue(user.get());
    }

    public User me(Principal caller) {
        return users.find(caller.username()).orElseThrow(() -> new Unauthorized("the token's user no longer exists"));
    }

    /** Replaces the password and so revokes every token issued before (their version is now stale). */
    public void changePassword(Principal caller, UserRequests.ChangePassword request) {
        List<FieldError> errors = new ArrayList<>();
        if (request.currentPassword() == null || request.currentPassword().isEmpty()) {
            errors.add(new FieldError("current_password", "is required"));
        }
        validPassword("new_password", request.newPassword(), errors);
        throwIfAny(errors);
        User user = me(caller);
        if (!hasher.verify(request.currentPassword(), user.passwordHash())) {
            throw new InvalidInput("current_password is incorrect",
                    List.of(new FieldError("current_password", "is incorrect")));
        }
        if (request.currentPassword().equals(request.newPassword())) {
            throw InvalidInput.field("new_password", "must differ from the current password");
        }
        users.replacePassword(user.withPassword(hasher.hash(request.newPassword())), user.passwordHash());
    }

    public void logout(Principal caller) {
        tokens.revoke(caller.tokenId(), caller.expiresAt());
    }

    /** A page of users; {@code cursor} is a signed {@code next_cursor} of this listing, its payload the store's own. */
    public Page<User> list(int limit, Optional<String> cursor) {
        Page<User> page = users.list(limit, cursor.map(c -> cursors.get().decode(c, USER_LISTING, 1).get(0)));
        return new Page<>(page.items(), page.nextCursor().map(next -> cursors.get().encode(List.of(next), USER_LISTING)));
    }

    private static final String USER_LISTING = "GET /auth/users";

    public void delete(Principal caller, String username) {
        String name = Usernames.require("username", username);
        if (name.equals(caller.username())) {
            throw new Conflict("an admin cannot delete their own account");
        }
        if (!users.delete(name)) {
            throw new NotFound("no user named '" + name + "'");
        }
    }

    /**
     * Creates the first admin named by the configuration ({@code ADMIN_USERNAME} and its password,
     * resolved only when both are set), if any.
     */
    public void ensureConfiguredAdmin(Optional<String> username, Optional<Supplier<String>> password) {
        if (username.isPresent() && password.isPresent()) {
            ensureAdmin(username.get(), password.get().get());
        }
    }

    /**
     * Creates the configured first admin unless a user of that name exists (an existing account,
     * and its password, are left alone). Returns true if it created one.
     */
    public boolean ensureAdmin(String username, String password) {
        String name = username.trim().toLowerCase(Locale.ROOT);
        Optional<User> existing = users.find(name);
        if (existing.isPresent()) {
            if (existing.get().role() != Role.ADMIN) {
                LOG.warn("the configured admin '{}' exists with role {}; left unchanged", name, existing.get().role().value());
            }
            return false;
        }
        List<FieldError> errors = new ArrayList<>();
        validUsername(name, errors);
        validPassword("ADMIN_PASSWORD", password, errors);
        if (!errors.isEmpty()) {
            throw new IllegalStateException("the configured first admin is invalid: " + errors);
        }
        try {
            users.create(new User(UUID.randomUUID().toString(), name, Optional.empty(), Role.ADMIN,
                    hasher.hash(password), clock.instant().truncatedTo(ChronoUnit.MILLIS), 0));
            LOG.info("created the first admin '{}'", name);
            return true;
        } catch (Conflict raced) {
            return false;
        }
    }

    private static String validUsername(String raw, List<FieldError> errors) {
        if (raw == null || raw.isBlank()) {
            errors.add(new FieldError("username", "is required"));
            return null;
        }
        String username = raw.trim().toLowerCase(Locale.ROOT);
        if (!Usernames.isValid(username)) {
            errors.add(new FieldError("username", Usernames.rule()));
        }
        return username;
    }

    private static void validPassword(String field, String password, List<FieldError> errors) {
        if (password == null || password.isEmpty()) {
            errors.add(new FieldError(field, "is required"));
            return;
        }
        int length = password.codePointCount(0, password.length());
        if (length < MIN_PASSWORD || length > MAX_PASSWORD) {
            errors.add(new FieldError(field, "must be " + MIN_PASSWORD + " to " + MAX_PASSWORD + " characters long"));
        }
    }

    private static void throwIfAny(List<FieldError> errors) {
        if (!errors.isEmpty()) {
            String detail = errors.size() == 1
                    ? errors.get(0).field() + ": " + errors.get(0).message()
                    : errors.size() + " fields are invalid";
            throw new ApiException.InvalidInput(detail, errors);
        }
    }
}
