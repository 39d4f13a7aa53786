package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import dev.mlapi.core.users.Role;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Priming's synthetic requests, as {@link ApiPipeline#prime()} describes them: every {@code GET}
 * route (a user route as a user and as an admin, an admin route as an admin), the first other
 * route that needs a token, or an unknown path for a function without either. Each carries a token
 * for {@link ApiPipeline#PRIMING_USERNAME}, minted now, when the function can sign one.
 */
final class PrimingRequests {

    private static final Logger LOG = LoggerFactory.getLogger(PrimingRequests.class);

    private final Function<Role, Optional<String>> token;

    PrimingRequests(Function<Role, Optional<String>> token) {
        this.token = token;
    }

    List<APIGatewayV2HTTPEvent> events(List<ApiPipeline.Route> declared) {
        List<APIGatewayV2HTTPEvent> events = new ArrayList<>();
        for (ApiPipeline.Route route : declared) {
            if (route.template().method().equals("GET")) {
                if (route.access() != Access.ADMIN) {
                    events.add(event(route.template(), Role.USER));
                }
                if (route.access() != Access.PUBLIC) {
                    events.add(event(route.template(), Role.ADMIN));
                }
            }
        }
        declared.stream().filter(route -> route.access() != Access.PUBLIC && !route.template().method().equals("GET"))
                .findFirst().ifPresent(route -> events.add(event(route.template(), Role.USER)));
        if (events.isEmpty()) {
            events.add(event(RouteTemplate.parse("GET /~priming"), Role.USER));
        }
        return events;
    }

    private Optional<String> token(Role role) {
        try {
            return token.apply(role);
        } catch (RuntimeException e) {
            LOG.info("priming without a token: {}", e.toString());
            return Optional.empty();
        }
    }

    private APIGatewayV2HTTPEvent event(RouteTemplate template, Role role) {
        Optional<String> token = token(role);
        String path = template.path().replaceAll("\\{[^/]+}", "priming");
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("content-type", "application/json");
        token.ifPresent(value -> headers.put("authorization", "Bearer " + value));
        return APIGatewayV2HTTPEvent.builder()
                .withRouteKey(template.routeKey())
                .withRawPath(path)
                .withHeaders(headers)
                .withPathParameters(template.matchPath(path).orElse(Map.of()))
                .withBody(template.method().equals("GET") ? null : "{}")
                .withRequestContext(APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId("priming-" + UUID.randomUUID())
                        .withHttp(APIGatewayV2HTTPEvent.RequestContext.Http.builder()
                                .withMethod(template.method()).withPath(path).withSourceIp("127.0.0.1").build())
                        .build())
                .build();
    }
}
