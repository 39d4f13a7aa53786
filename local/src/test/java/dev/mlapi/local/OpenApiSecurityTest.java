package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.Reader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * What Swagger UI needs from {@code openapi.yaml} to send a token obtained through "Authorize":
 * a server URL relative to wherever the document is served, and operations that accept a token
 * from either scheme (a pasted bearer token or the OAuth2 password form).
 */
class OpenApiSecurityTest {

    static final List<String> TOKEN_SCHEMES = List.of("bearer", "password");

    @SuppressWarnings("unchecked")
    static Map<String, Object> openApi() throws Exception {
        try (Reader reader = Files.newBufferedReader(LocalServer.repositoryRoot().resolve("openapi.yaml"))) {
            return new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
    }

    private static final List<String> HTTP_METHODS =
            List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

    @Test
    @SuppressWarnings("unchecked")
    void servers_areRelative_soSwaggerUiCallsTheServerItCameFrom() throws Exception {
        List<Map<String, Object>> servers = (List<Map<String, Object>>) openApi().get("servers");
        assertThat(servers).isNotEmpty()
                .allSatisfy(server -> assertThat((String) server.get("url")).startsWith("/").doesNotContain("//"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOperationWithAToken_acceptsBothSchemes() throws Exception {
        Map<String, Object> document = openApi();
        assertThat(((Map<String, Object>) ((Map<String, Object>) document.get("components")).get("securitySchemes")))
                .containsOnlyKeys("bearer", "password", "basic");
        List<String> missing = new ArrayList<>();
        ((Map<String, Map<String, Object>>) document.get("paths")).forEach((path, operations) ->
                operations.forEach((method, operation) -> {
                    if (!HTTP_METHODS.contains(method)) {
                        return; // path-level keys such as parameters
                    }
                    Object security = ((Map<String, Object>) operation).getOrDefault("security", document.get("security"));
                    List<Map<String, Object>> requirements = (List<Map<String, Object>>) security;
                    boolean usesTokens = requirements.stream().anyMatch(requirement -> !requirement.isEmpty());
                    List<String> schemes = requirements.stream().flatMap(requirement -> requirement.keySet().stream())
                            .toList();
                    if (usesTokens && !schemes.containsAll(TOKEN_SCHEMES)) {
                        missing.add(method.toUpperCase() + " " + path + " " + schemes);
                    }
                }));
        assertThat(missing).as("operations that Swagger UI's password login would not authorize").isEmpty();
    }

    /** HTTP Basic is listed exactly on the operations whose route accepts it (DRF's {@code /compat/drf/api/...}). */
    @Test
    @SuppressWarnings("unchecked")
    void basic_isListedExactlyWhereTheRouteAcceptsIt() throws Exception {
        Map<String, Object> document = openApi();
        List<String> listed = new ArrayList<>();
        List<String> accepting = new ArrayList<>();
        ((Map<String, Map<String, Object>>) document.get("paths")).forEach((path, operations) ->
                operations.forEach((method, operation) -> {
                    if (!HTTP_METHODS.contains(method)) {
                        return;
                    }
                    String key = method.toUpperCase() + " " + path;
                    Object security = ((Map<String, Object>) operation).getOrDefault("security", document.get("security"));
                    if (((List<Map<String, Object>>) security).stream().anyMatch(r -> r.containsKey("basic"))) {
                        listed.add(key);
                    }
                    if (dev.mlapi.core.compat.drf.DrfRoutes.acceptsBasic(key)) {
                        accepting.add(key);
                    }
                }));
        assertThat(accepting).hasSize(9);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(accepting);
    }
}
