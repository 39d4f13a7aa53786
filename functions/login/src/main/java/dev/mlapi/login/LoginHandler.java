package dev.mlapi.login;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.users.LoginThrottle;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.login.UserViews.TokenView;
import dev.mlapi.login.UserViews.UserPage;
import dev.mlapi.login.UserViews.UserView;
import java.util.Map;
import java.util.Optional;

/** The login function: every route of the API's auth section. */
public final class LoginHandler implements HttpFunction {

    private final UserService users;
    private final ApiPipeline pipeline;

    public LoginHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, users);
    }

    /** Builds the function from {@code wiring} and creates the configured first admin if missing. */
    public LoginHandler(Wiring wiring) {
        this(wiring, new UserService(wiring.userStore(), wiring.tokenStore(), wiring.jwt(), wiring.passwordHasher(),
                wiring.clock(), LoginThrottle.withDefaults(wiring.loginAttempts(), wiring.clock()),
                Lazy.of(() -> UserService.cursorsWithSecret(wiring.signingSecret()))));
        var config = wiring.config();
        users.ensureConfiguredAdmin(config.adminUsername(),
                config.adminPassword().map(secret -> () -> wiring.secrets().resolve(secret)));
    }

    LoginHandler(Wiring wiring, UserService users) {
        this.users = users;
        this.pipeline = wiring.pipeline()
                .route("POST /auth/users", Access.PUBLIC, this::register)
                .route("POST /auth/login", Access.PUBLIC, this::login)
                .route("POST /auth/logout", Access.USER, this::logout)
                .route("GET /auth/users/me", Access.USER, this::me)
                .route("POST /auth/password", Access.USER, this::changePassword)
                .route("GET /auth/users", Access.ADMIN, this::list)
                .route("DELETE /auth/users/{username}", Access.ADMIN, this::delete)
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse register(ApiRequest request) {
        var user = users.register(request.json(UserRequests.Register.class), request.principal());
        return ApiResponse.created(UserView.of(user), "/auth/users/" + user.username());
    }

    private ApiResponse login(ApiRequest request) {
        UserRequests.Login credentials = request.isForm()
                ? fromForm(request.form())
                : request.json(UserRequests.Login.class);
        return ApiResponse.ok(TokenView.of(users.login(credentials, Optional.ofNullable(request.sourceIp()))));
    }

    private static UserRequests.Login fromForm(Map<String, String> form) {
        return new UserRequests.Login(form.get("username"), form.get("password"));
    }

    private ApiResponse logout(ApiRequest request) {
        users.logout(request.requirePrincipal());
        return ApiResponse.noContent();
    }

    private ApiResponse me(ApiRequest request) {
        return ApiResponse.ok(UserView.of(users.me(request.requirePrincipal())));
    }

    private ApiResponse changePassword(ApiRequest request) {
        users.changePassword(request.requirePrincipal(), request.json(UserRequests.ChangePassword.class));
        return ApiResponse.noContent();
    }

    private ApiResponse list(ApiRequest request) {
        int limit = request.queryInt("limit", 50, 1, 100);
        return ApiResponse.ok(UserPage.of(users.list(limit, request.query("cursor"))));
    }

    private ApiResponse delete(ApiRequest request) {
        users.delete(request.requirePrincipal(), request.pathParameter("username"));
        return ApiResponse.noContent();
    }
}
