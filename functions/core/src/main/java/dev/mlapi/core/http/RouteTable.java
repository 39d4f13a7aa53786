package dev.mlapi.core.http;

import dev.mlapi.core.error.ApiException.MethodNotAllowed;
import dev.mlapi.core.error.ApiException.NotFound;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Routing, {@link ApiPipeline}'s first step: finds the declared route of a request by its route
 * key (what API Gateway sends), else by the most specific template matching its path; a known
 * path with another method is a 405, anything else a 404.
 */
final class RouteTable {

    private final Map<String, ApiPipeline.Route> byKey;
    private final List<ApiPipeline.Route> declared;
    private final List<ApiPipeline.Route> bySpecificity;

    RouteTable(Collection<ApiPipeline.Route> routes) {
        Map<String, ApiPipeline.Route> byKey = new LinkedHashMap<>();
        routes.forEach(route -> byKey.put(route.template().routeKey(), route));
        this.byKey = Map.copyOf(byKey);
        this.declared = List.copyOf(routes);
        this.bySpecificity = routes.stream()
                .sorted(Comparator.comparingInt((ApiPipeline.Route r) -> r.template().specificity()).reversed())
                .toList();
    }

    Set<String> routeKeys() {
        return byKey.keySet();
    }

    /** In declaration order. */
    List<ApiPipeline.Route> routes() {
        return declared;
    }

    ApiPipeline.Route resolve(ApiRequest request) {
        ApiPipeline.Route exact = byKey.get(request.routeKey());
        if (exact != null) {
            return exact;
        }
        boolean pathKnown = false;
        for (ApiPipeline.Route route : bySpecificity) {
            if (route.template().matchPath(request.path()).isPresent()) {
                if (route.template().method().equals(request.method())) {
                    return route;
                }
                pathKnown = true;
            }
        }
        if (pathKnown) {
            throw new MethodNotAllowed(request.method() + " is not allowed on " + request.path());
        }
        throw new NotFound("no route for " + request.method() + " " + request.path());
    }
}
