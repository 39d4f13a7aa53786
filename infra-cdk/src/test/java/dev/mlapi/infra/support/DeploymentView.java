package dev.mlapi.infra.support;

import static dev.mlapi.infra.support.Cfn.at;
import static dev.mlapi.infra.support.Cfn.list;
import static dev.mlapi.infra.support.Cfn.map;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deployment described in the same terms whether it comes from {@code template.yaml} (SAM) or
 * from the synthesized CDK stack, so parity tests compare like with like.
 *
 * @param functions function module → how it is deployed
 * @param routes    route key ({@code GET /health}) → function module
 * @param template  the whole template, for anything else
 */
public record DeploymentView(String source, Map<String, FunctionView> functions, Map<String, String> routes,
                             Map<String, Object> template) {

    /** Tag the CDK stack puts on each Lambda to name its module (MlApiStack.FUNCTION_TAG). */
    private static final String FUNCTION_TAG = "mlapi:function";
    private static final Pattern CODE_URI = Pattern.compile("functions/([^/]+)");

    /** One function as deployed: the environment keeps each value's raw template expression. */
    public record FunctionView(String module, String logicalId, Map<String, Object> properties,
                               Map<String, Object> environment) {

        public String handler() {
            return String.valueOf(properties.get("Handler"));
        }

        public int memoryMb() {
            return ((Number) properties.get("MemorySize")).intValue();
        }

        public int timeoutSeconds() {
            return ((Number) properties.get("Timeout")).intValue();
        }

        public String runtime() {
            return String.valueOf(properties.get("Runtime"));
        }
    }

    /** A DynamoDB table's shape: keys, indexes, TTL, billing and recovery. */
    public record TableView(String logicalId, String partitionKey, Optional<String> sortKey,
                            Map<String, String> attributeTypes, Map<String, List<String>> indexes,
                            Optional<String> ttlAttribute, String billingMode, boolean pointInTimeRecovery) {

        static TableView of(String logicalId, Map<String, Object> properties) {
            Map<String, String> keys = keys(properties.get("KeySchema"));
            Map<String, String> types = new TreeMap<>();
            list(properties.get("AttributeDefinitions")).forEach(a ->
                    types.put(String.valueOf(map(a).get("AttributeName")), String.valueOf(map(a).get("AttributeType"))));
            Map<String, List<String>> indexes = new TreeMap<>();
            list(properties.get("GlobalSecondaryIndexes")).forEach(index -> {
                Map<String, String> indexKeys = keys(map(index).get("KeySchema"));
                String projection = String.valueOf(at(map(index), "Projection").get("ProjectionType"));
                indexes.put(String.valueOf(map(index).get("IndexName")),
                        List.of(indexKeys.getOrDefault("HASH", "-"), indexKeys.getOrDefault("RANGE", "-"), projection));
            });
            Map<String, Object> ttl = at(properties, "TimeToLiveSpecification");
            return new TableView(logicalId, keys.get("HASH"), Optional.ofNullable(keys.get("RANGE")), types, indexes,
                    Boolean.TRUE.equals(ttl.get("Enabled")) ? Optional.of(String.valueOf(ttl.get("AttributeName"))) : Optional.empty(),
                    String.valueOf(properties.get("BillingMode")),
                    Boolean.TRUE.equals(at(properties, "PointInTimeRecoverySpecification").get("PointInTimeRecoveryEnabled")));
        }

        private static Map<String, String> keys(Object keySchema) {
            Map<String, String> keys = new LinkedHashMap<>();
            list(keySchema).forEach(k -> keys.put(String.valueOf(map(k).get("KeyType")), String.valueOf(map(k).get("AttributeName"))));
            return keys;
        }
    }

    /** {@code template.yaml}: Globals merged into each function, routes from its HttpApi events. */
    public static DeploymentView ofSam(Map<String, Object> template) {
        Map<String, Object> globals = at(template, "Globals", "Function");
        Map<String, FunctionView> functions = new TreeMap<>();
        Map<String, String> routes = new TreeMap<>();
        Cfn.resourcesOfType(template, "AWS::Serverless::Function").forEach((id, own) -> {
            Matcher codeUri = CODE_URI.matcher(String.valueOf(own.get("CodeUri")));
            if (!codeUri.matches()) {
                throw new AssertionError("template.yaml: " + id + " CodeUri must be functions/<module> (its Makefile copies the jar), is "
                        + own.get("CodeUri"));
            }
            Map<String, Object> properties = new LinkedHashMap<>(globals);
            properties.putAll(own);
            Map<String, Object> environment = new LinkedHashMap<>(at(globals, "Environment", "Variables"));
            environment.putAll(at(own, "Environment", "Variables"));
            // The function's name: a worker may share its API's module (and jar), as train-worker does train's.
            String module = environment.get("POWERTOOLS_SERVICE_NAME") instanceof String service ? service
                    : codeUri.group(1);
            functions.put(module, new FunctionView(module, id, properties, environment));
            map(own.get("Events")).forEach((name, event) -> {
                if ("HttpApi".equals(map(event).get("Type"))) {
                    Map<String, Object> p = at(map(event), "Properties");
                    String key = String.valueOf(p.get("Method")).toUpperCase(Locale.ROOT) + " " + p.get("Path");
                    String previous = routes.put(key, module);
                    if (previous != null) {
                        throw new AssertionError("template.yaml routes " + key + " twice (" + previous + ", " + module + ")");
                    }
                }
            });
        });
        return new DeploymentView("template.yaml", functions, routes, template);
    }

    /** The synthesized stack: functions by their module tag, routes through integration → alias → function. */
    public static DeploymentView ofStack(Map<String, Object> template) {
        Map<String, FunctionView> functions = new TreeMap<>();
        Map<String, String> moduleByFunctionId = new LinkedHashMap<>();
        Cfn.resourcesOfType(template, "AWS::Lambda::Function").forEach((id, properties) -> {
            Optional<String> module = list(properties.get("Tags")).stream()
                    .map(Cfn::map)
                    .filter(tag -> FUNCTION_TAG.equals(tag.get("Key")))
                    .map(tag -> String.valueOf(tag.get("Value")))
                    .findFirst();
            module.ifPresent(name -> {
                moduleByFunctionId.put(id, name);
                functions.put(name, new FunctionView(name, id, properties, at(properties, "Environment", "Variables")));
            });
        });
        Map<String, Map<String, Object>> aliases = Cfn.resourcesOfType(template, "AWS::Lambda::Alias");
        Map<String, Map<String, Object>> integrations = Cfn.resourcesOfType(template, "AWS::ApiGatewayV2::Integration");
        Map<String, String> routes = new TreeMap<>();
        Cfn.resourcesOfType(template, "AWS::ApiGatewayV2::Route").forEach((id, route) -> {
            String integrationId = Cfn.singleReference(route.get("Target"))
                    .orElseThrow(() -> new AssertionError("route " + route.get("RouteKey") + " has no integration target"));
            String aliasId = Cfn.singleReference(integrations.get(integrationId).get("IntegrationUri"))
                    .orElseThrow(() -> new AssertionError("integration " + integrationId + " does not name one Lambda target"));
            Map<String, Object> alias = aliases.get(aliasId);
            if (alias == null) {
                throw new AssertionError("route " + route.get("RouteKey") + " invokes " + aliasId + ", not a function alias");
            }
            String functionId = Cfn.singleReference(alias.get("FunctionName")).orElseThrow();
            routes.put(String.valueOf(route.get("RouteKey")), moduleByFunctionId.get(functionId));
        });
        return new DeploymentView("the CDK stack", functions, routes, template);
    }

    /**
     * Route key → the function module of the Lambda authorizer in front of it, for every route that
     * has one: the stack's routes through their authorizer's invocation URI to an alias, template.yaml's
     * HttpApi events through the API's named authorizer to {@code <Function>.Alias}.
     */
    public Map<String, String> routeAuthorizers() {
        Map<String, String> moduleByFunctionId = new TreeMap<>();
        functions.values().forEach(fn -> moduleByFunctionId.put(fn.logicalId(), fn.module()));
        Map<String, String> authorized = new TreeMap<>();
        if (source.equals("template.yaml")) {
            Map<String, Object> authorizers = at(at(resource("HttpApi"), "Properties"), "Auth", "Authorizers");
            Cfn.resourcesOfType(template, "AWS::Serverless::Function").forEach((id, own) ->
                    map(own.get("Events")).forEach((name, event) -> {
                        Map<String, Object> p = at(map(event), "Properties");
                        if ("HttpApi".equals(map(event).get("Type")) && p.containsKey("Auth")) {
                            String authorizer = String.valueOf(at(p, "Auth").get("Authorizer"));
                            String target = Cfn.singleReference(map(authorizers.get(authorizer)).get("FunctionArn"))
                                    .orElseThrow(() -> new AssertionError("template.yaml authorizer " + authorizer
                                            + " names no function"));
                            authorized.put(String.valueOf(p.get("Method")).toUpperCase(Locale.ROOT) + " " + p.get("Path"),
                                    moduleByFunctionId.get(target.replaceFirst("\\.Alias$", "")));
                        }
                    }));
            return authorized;
        }
        Map<String, Map<String, Object>> aliases = Cfn.resourcesOfType(template, "AWS::Lambda::Alias");
        Map<String, Map<String, Object>> authorizers = Cfn.resourcesOfType(template, "AWS::ApiGatewayV2::Authorizer");
        Cfn.resourcesOfType(template, "AWS::ApiGatewayV2::Route").forEach((id, route) -> {
            if ("CUSTOM".equals(route.get("AuthorizationType"))) {
                String authorizerId = Cfn.singleReference(route.get("AuthorizerId")).orElseThrow();
                String aliasId = Cfn.singleReference(authorizers.get(authorizerId).get("AuthorizerUri")).orElseThrow(
                        () -> new AssertionError("authorizer " + authorizerId + " does not invoke one Lambda"));
                String functionId = Cfn.singleReference(aliases.get(aliasId).get("FunctionName")).orElseThrow();
                authorized.put(String.valueOf(route.get("RouteKey")), moduleByFunctionId.get(functionId));
            }
        });
        return authorized;
    }

    /** The table whose name the functions receive in this environment variable. */
    public TableView tableNamedBy(String envName) {
        String id = referencedBy(envName);
        Map<String, Object> properties = Cfn.resourcesOfType(template, "AWS::DynamoDB::Table").get(id);
        if (properties == null) {
            throw new AssertionError(source + ": " + envName + " does not name a DynamoDB table (references " + id + ")");
        }
        return TableView.of(id, properties);
    }

    /** The logical id of the resource every function's value of this variable references (one for all). */
    public String referencedBy(String envName) {
        Set<String> ids = new LinkedHashSet<>();
        functions.values().forEach(fn -> {
            if (fn.environment().containsKey(envName)) {
                ids.add(Cfn.singleReference(fn.environment().get(envName)).orElseThrow(
                        () -> new AssertionError(source + ": " + fn.module() + "'s " + envName + " is not a reference")));
            }
        });
        if (ids.size() != 1) {
            throw new AssertionError(source + ": expected every function's " + envName + " to name one resource, found " + ids);
        }
        return ids.iterator().next();
    }

    public Map<String, Object> resource(String logicalId) {
        return map(Cfn.resources(template).get(logicalId));
    }

    public Set<String> outputNames() {
        return map(template.get("Outputs")).keySet();
    }
}
