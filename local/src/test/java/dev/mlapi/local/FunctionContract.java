package dev.mlapi.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.runtime.ClassPriming;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * README's "Adding a function", as checks: each {@link Step} is one item of that numbered list (in
 * its order; {@code AddingAFunctionTest} holds the README to it), and {@link #check} says which
 * step a function is missing, by number and name. {@code ProjectConsistencyTest} runs it over
 * every catalog function; {@code AddingAFunctionTest} over a scratch function added step by step.
 */
final class FunctionContract {

    /** One item of README's list; {@code readmeMarker} is text its item must contain. */
    enum Step {
        MODULE("`function.name`", "a module functions/<module>/ whose pom.xml has artifactId mlapi-<module> and sets <function.name>"),
        ROOT_POM("`<dependencyManagement>`", "the root pom.xml lists <module>functions/<module></module> and mlapi-<module> in <dependencyManagement>"),
        LOCAL_POM("`local/pom.xml`", "local/pom.xml depends on mlapi-<module> (the local server runs every function)"),
        HANDLER("implements HttpFunction", "the handler: public, a public no-argument constructor (Lambda's, it primes) and a public (Wiring) one; an HTTP function's implements HttpFunction"),
        CATALOG("`FunctionCatalog`", "an entry in FunctionCatalog, listed in FunctionCatalog.ALL"),
        OPENAPI("`x-function", "its operations in openapi.yaml with x-function: <name>, each with the security of its route's Access"),
        EVENTS("`events/", "a sample event events/<name>-*.json for every route (an event function: one of its trigger)"),
        PRIMING_LIST("priming-classes.txt", "its class-priming list functions/<module>/src/main/resources/" + ClassPriming.LIST
                + " (write it with PrimingClassList, see its javadoc)"),
        TEMPLATE("`template.yaml`", "template.yaml regenerated (./mvnw -q -o -pl infra-cdk -am compile exec:java@sam-template)");

        final String readmeMarker;
        final String what;

        Step(String readmeMarker, String what) {
            this.readmeMarker = readmeMarker;
            this.what = what;
        }

        /** How a failing check names it: {@code README "Adding a function" step 4 (HANDLER: ...)}. */
        String label() {
            return "README \"Adding a function\" step " + (ordinal() + 1) + " (" + name() + ": " + what + ")";
        }
    }

    /** One thing a function lacks. */
    record Violation(String function, Step step, String detail) {
        @Override
        public String toString() {
            return function + ": " + detail + " -- " + step.label();
        }
    }

    /** How the security of an operation reads, in {@link Access} terms: anyone, any token, an admin's token. */
    enum Security { PUBLIC, TOKEN, ADMIN }

    /** The OAuth2 scope an operation's {@code security} names for a route only admins may call. */
    static final String ADMIN_SCOPE = "admin";

    private static final List<String> HTTP_METHODS =
            List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final List<FunctionSpec> catalog;
    private final List<ApiRoute> apiRoutes;
    private final Map<String, Security> security;

    FunctionContract(Path root, List<FunctionSpec> catalog) {
        this.root = root;
        this.catalog = List.copyOf(catalog);
        this.apiRoutes = OpenApiRoutes.read(root.resolve("openapi.yaml"));
        this.security = security(root.resolve("openapi.yaml"));
    }

    /**
     * What {@code functions} lack, plus every operation of {@code openapi.yaml} naming a function
     * the catalog does not have. {@code handlers} gives a function's handler as the local server
     * builds it (its {@code (Wiring)} constructor); it is asked only for a function whose handler
     * class has the shape.
     */
    List<Violation> check(List<FunctionSpec> functions, Function<FunctionSpec, Object> handlers) {
        List<Violation> violations = new ArrayList<>();
        Set<String> names = catalog.stream().map(FunctionSpec::name).collect(Collectors.toSet());
        for (ApiRoute route : apiRoutes) {
            if (!names.contains(route.function())) {
                violations.add(new Violation(route.function(), Step.CATALOG, "openapi.yaml routes " + route.routeKey()
                        + " to '" + route.function() + "', which FunctionCatalog.ALL does not have"));
            }
        }
        for (FunctionSpec spec : functions) {
            violations.addAll(check(spec, handlers));
        }
        return violations;
    }

    private List<Violation> check(FunctionSpec spec, Function<FunctionSpec, Object> handlers) {
        List<Violation> violations = new ArrayList<>();
        String name = spec.name();
        String artifact = "<artifactId>mlapi-" + spec.module() + "</artifactId>";
        Path modulePom = root.resolve("functions").resolve(spec.module()).resolve("pom.xml");
        if (!Files.isRegularFile(modulePom)) {
            violations.add(new Violation(name, Step.MODULE, modulePom + " does not exist"));
        } else {
            String pom = read(modulePom);
            if (!pom.contains(artifact) || !pom.contains("<function.name>")) {
                violations.add(new Violation(name, Step.MODULE, modulePom + " lacks " + artifact + " or <function.name>"));
            }
        }
        String rootPom = read(root.resolve("pom.xml"));
        String management = between(rootPom, "<dependencyManagement>", "</dependencyManagement>");
        if (!rootPom.contains("<module>functions/" + spec.module() + "</module>") || !management.contains(artifact)) {
            violations.add(new Violation(name, Step.ROOT_POM, "pom.xml lacks <module>functions/" + spec.module()
                    + "</module> or " + artifact + " in <dependencyManagement>"));
        }
        if (!between(read(root.resolve("local/pom.xml")), "<dependencies>", "</dependencies>").contains(artifact)) {
            violations.add(new Violation(name, Step.LOCAL_POM, "local/pom.xml does not depend on mlapi-" + spec.module()));
        }
        if (catalog.stream().noneMatch(s -> s.name().equals(name))) {
            violations.add(new Violation(name, Step.CATALOG, "FunctionCatalog.ALL does not list it"));
        }
        Optional<Class<?>> handlerClass = handlerClass(spec, violations);
        List<ApiRoute> routes = apiRoutes.stream().filter(r -> r.function().equals(name)).toList();
        if (spec.kind() == FunctionSpec.Kind.HTTP) {
            if (routes.isEmpty()) {
                violations.add(new Violation(name, Step.OPENAPI, "no operation of openapi.yaml has x-function: " + name));
            }
            if (handlerClass.isPresent() && violations.stream().noneMatch(v -> v.step() == Step.HANDLER)) {
                ApiPipeline pipeline = ((HttpFunction) handlers.apply(spec)).pipeline();
                violations.addAll(routesAgree(name, routes, pipeline));
            }
        }
        violations.addAll(events(spec, routes));
        Path primingList = root.resolve("functions").resolve(spec.module()).resolve("src/main/resources")
                .resolve(ClassPriming.LIST);
        if (!Files.isRegularFile(primingList)) {
            violations.add(new Violation(name, Step.PRIMING_LIST, primingList + " does not exist"));
        }
        String template = read(root.resolve("template.yaml"));
        if (!template.contains("\n  " + spec.logicalName() + "Function:\n") || !template.contains("Handler: " + spec.handler() + "\n")) {
            violations.add(new Violation(name, Step.TEMPLATE, "template.yaml has no " + spec.logicalName()
                    + "Function with Handler: " + spec.handler()));
        }
        return violations;
    }

    private static Optional<Class<?>> handlerClass(FunctionSpec spec, List<Violation> violations) {
        Class<?> handler;
        try {
            handler = Class.forName(spec.handlerClass(), false, FunctionContract.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            violations.add(new Violation(spec.name(), Step.HANDLER, "no class " + spec.handlerClass()
                    + " on the local server's classpath"));
            return Optional.empty();
        }
        List<String> lacks = new ArrayList<>();
        if (!Modifier.isPublic(handler.getModifiers())) {
            lacks.add("is not public");
        }
        if (!hasPublicConstructor(handler)) {
            lacks.add("has no public no-argument constructor");
        }
        if (!hasPublicConstructor(handler, Wiring.class)) {
            lacks.add("has no public (Wiring) constructor");
        }
        if (spec.kind() == FunctionSpec.Kind.HTTP && !HttpFunction.class.isAssignableFrom(handler)) {
            lacks.add("does not implement " + HttpFunction.class.getName());
        }
        if (!lacks.isEmpty()) {
            violations.add(new Violation(spec.name(), Step.HANDLER, handler.getName() + " " + String.join(", ", lacks)));
        }
        return Optional.of(handler);
    }

    private static boolean hasPublicConstructor(Class<?> type, Class<?>... parameters) {
        try {
            return Modifier.isPublic(type.getConstructor(parameters).getModifiers());
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** The pipeline's routes are exactly the function's operations, each with the access its {@code security} says. */
    private List<Violation> routesAgree(String name, List<ApiRoute> routes, ApiPipeline pipeline) {
        List<Violation> violations = new ArrayList<>();
        Set<String> declared = new TreeSet<>(pipeline.routeKeys());
        Set<String> documented = routes.stream().map(ApiRoute::routeKey).collect(Collectors.toCollection(TreeSet::new));
        if (!declared.equals(documented)) {
            Set<String> undocumented = new TreeSet<>(declared);
            undocumented.removeAll(documented);
            Set<String> unserved = new TreeSet<>(documented);
            unserved.removeAll(declared);
            violations.add(new Violation(name, Step.OPENAPI, "routes the handler declares without an operation "
                    + "naming it in openapi.yaml: " + undocumented + "; operations it does not declare: " + unserved));
        }
        for (ApiPipeline.Route route : pipeline.routes()) {
            String key = route.template().routeKey();
            Security documentedAs = security.get(key);
            if (documentedAs != null && documentedAs != expected(route.access())) {
                violations.add(new Violation(name, Step.OPENAPI, key + " is Access." + route.access()
                        + " in the handler but " + documentedAs + " by its security in openapi.yaml (public: "
                        + "a token optional; token: [{bearer: []}, {password: []}]; admin: "
                        + "[{bearer: []}, {password: [" + ADMIN_SCOPE + "]}])"));
            }
        }
        return violations;
    }

    /** The security an operation must have for a route of this access. */
    static Security expected(Access access) {
        return switch (access) {
            case PUBLIC -> Security.PUBLIC;
            case USER, USER_OVERLAPPED -> Security.TOKEN;
            case ADMIN -> Security.ADMIN;
        };
    }

    private List<Violation> events(FunctionSpec spec, List<ApiRoute> routes) {
        Map<String, String> eventRouteKeys = new TreeMap<>();
        Path events = root.resolve("events");
        if (Files.isDirectory(events)) {
            try (Stream<Path> files = Files.list(events)) {
                for (Path file : files.sorted().toList()) {
                    String fileName = file.getFileName().toString();
                    if (fileName.endsWith(".json") && ownerOf(fileName).filter(spec.name()::equals).isPresent()) {
                        JsonNode routeKey = JSON.readTree(file.toFile()).get("routeKey");
                        eventRouteKeys.put(fileName, routeKey == null ? "" : routeKey.asText());
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<Violation> violations = new ArrayList<>();
        if (spec.kind() == FunctionSpec.Kind.HTTP) {
            for (ApiRoute route : routes) {
                if (!eventRouteKeys.containsValue(route.routeKey())) {
                    violations.add(new Violation(spec.name(), Step.EVENTS, "no events/" + spec.name()
                            + "-*.json has routeKey " + route.routeKey()));
                }
            }
        } else if (eventRouteKeys.isEmpty()) {
            violations.add(new Violation(spec.name(), Step.EVENTS, "no events/" + spec.name() + "-*.json"));
        }
        return violations;
    }

    /** The function a sample event belongs to: the longest catalog name it starts with (train-worker-…: train-worker's). */
    private Optional<String> ownerOf(String fileName) {
        return catalog.stream().map(FunctionSpec::name).filter(n -> fileName.startsWith(n + "-"))
                .max(Comparator.comparingInt(String::length));
    }

    /**
     * Each operation's security in {@link Access} terms (OpenAPI's rule: an operation's
     * {@code security} replaces the document's): a token optional ({@code []} or a {@code {}}
     * requirement) is public; otherwise a requirement naming the {@value #ADMIN_SCOPE} scope makes it
     * admin; otherwise any token.
     */
    @SuppressWarnings("unchecked")
    static Map<String, Security> security(Path openApiYaml) {
        Map<String, Object> document;
        try (Reader reader = Files.newBufferedReader(openApiYaml)) {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Security> security = new TreeMap<>();
        ((Map<String, Map<String, Object>>) document.get("paths")).forEach((path, operations) ->
                operations.forEach((method, operation) -> {
                    if (HTTP_METHODS.contains(method)) {
                        Object declared = ((Map<String, Object>) operation).getOrDefault("security", document.get("security"));
                        List<Map<String, List<String>>> requirements = (List<Map<String, List<String>>>) declared;
                        Security kind = requirements.isEmpty() || requirements.stream().anyMatch(Map::isEmpty)
                                ? Security.PUBLIC
                                : requirements.stream().anyMatch(r -> r.values().stream().anyMatch(
                                        scopes -> scopes != null && scopes.contains(ADMIN_SCOPE)))
                                        ? Security.ADMIN : Security.TOKEN;
                        security.put(method.toUpperCase(Locale.ROOT) + " " + path, kind);
                    }
                }));
        return security;
    }

    private static String between(String text, String start, String end) {
        int from = text.indexOf(start);
        int to = text.indexOf(end, Math.max(from, 0));
        return from < 0 || to < 0 ? "" : text.substring(from, to);
    }

    private static String read(Path file) {
        try {
            return Files.isRegularFile(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
