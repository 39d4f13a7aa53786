package dev.mlapi.authorizer;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2CustomAuthorizerEvent;
import com.amazonaws.services.lambda.runtime.events.SimpleIAMPolicyResponse;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.auth.JwtService;
import dev.mlapi.core.aws.AwsClients;
import dev.mlapi.core.aws.SecretResolver;
import dev.mlapi.core.config.Config;
import dev.mlapi.core.runtime.Priming;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The authorizer function: API Gateway's Lambda REQUEST authorizer (payload 2.0, simple
 * responses) in front of every route whose operation requires a token. Answers
 * {@code {"isAuthorized": …, "context": {…}}}; the gateway caches it per Authorization header.
 * HTTP Basic passes (its form only, no identity) on DRF's compatibility routes, whose function
 * checks the password as a login; it is refused elsewhere. The cache is keyed by the header alone,
 * so within its TTL a Basic header's first answer holds on every route: the functions re-check
 * every request themselves, so a passed one meets the function's 401 off DRF's routes.
 */
public final class AuthorizeTokenHandler
        implements RequestHandler<APIGatewayV2CustomAuthorizerEvent, SimpleIAMPolicyResponse> {

    private static final String AUTHORIZATION = "authorization";

    private final BearerTokenCheck check;

    /** Lambda's entry point: the signing key from the environment (Secrets Manager in AWS), primed. */
    public AuthorizeTokenHandler() {
        this(new BearerTokenCheck(tokenService(Config.fromEnvironment())));
        Priming.atInit(check);
    }

    /** The local server's: the shared wiring's token service. */
    public AuthorizeTokenHandler(Wiring wiring) {
        this(new BearerTokenCheck(wiring.jwt()));
    }

    AuthorizeTokenHandler(BearerTokenCheck check) {
        this.check = check;
    }

    @Override
    public SimpleIAMPolicyResponse handleRequest(APIGatewayV2CustomAuthorizerEvent event, Context context) {
        String route = event.getRouteKey() != null ? event.getRouteKey() : event.getRawPath();
        BearerTokenCheck.Decision decision = check.check(authorizationOf(event), route);
        return new SimpleIAMPolicyResponse(decision.allowed(), decision.context());
    }

    /** The header as the request sent it; the identity source holds the same value. */
    private static Optional<String> authorizationOf(APIGatewayV2CustomAuthorizerEvent event) {
        Map<String, String> headers = event.getHeaders() == null ? Map.of() : event.getHeaders();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (AUTHORIZATION.equalsIgnoreCase(header.getKey())) {
                return Optional.ofNullable(header.getValue());
            }
        }
        List<String> identity = event.getIdentitySource();
        return identity == null || identity.isEmpty() ? Optional.empty() : Optional.ofNullable(identity.get(0));
    }

    /**
     * The functions' signing key and token service, built without {@link Wiring}: the DynamoDB
     * client Wiring can build is not in this jar.
     */
    static JwtService tokenService(Config config) {
        if (config.jwtSecret() == null) {
            throw new IllegalStateException("a JWT signing secret is required (" + Config.Env.JWT_SECRET + " or "
                    + Config.Env.JWT_SECRET_ARN + ")");
        }
        AwsClients clients = new AwsClients(config);
        String secret = new SecretResolver(clients::secretsManager).resolve(config.jwtSecret());
        return new JwtService(secret, config.tokenTtl(), Clock.systemUTC());
    }
}
