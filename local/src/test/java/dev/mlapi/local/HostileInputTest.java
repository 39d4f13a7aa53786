package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.error.Redaction;
import dev.mlapi.core.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Hostile input, generated from {@code openapi.yaml}, against the real local server over HTTP:
 * for every operation, every path and query parameter and every body field (JSON, form and
 * multipart), and the body as a whole, wrong types, huge, negative and non-finite numbers,
 * 10,000-element lists, deep nesting, and unicode edge cases (RTL overrides, NUL, lone
 * surrogates, 100 KB strings), sent with a user's token (an admin's where the operation refuses
 * users). Every answer must be below 500, every 4xx problem+json naming its status, and no problem
 * may carry "REDACTED" unless a secret field was sent. The slowest answers are printed, not
 * asserted (timings on a shared machine are no test).
 */
class HostileInputTest {

    /** Operations that would end the session the suite runs with, whatever their input. */
    static final Set<String> SKIPPED = Set.of("POST /auth/logout");

    static final String ADMIN_PASSWORD = "hostile-admin-password";
    static final String USER_PASSWORD = "hostile-user-password-42";
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    @TempDir
    static Path data;
    static LocalServer server;
    static String userToken;
    static String adminToken;
    static Map<String, Object> openApi;

    @BeforeAll
    static void start() throws Exception {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
        adminToken = login("admin", ADMIN_PASSWORD);
        var registered = send(json("POST", "/auth/users", null,
                "{\"username\":\"hostile-user\",\"password\":\"" + USER_PASSWORD + "\"}"));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        userToken = login("hostile-user", USER_PASSWORD);
        try (Reader reader = Files.newBufferedReader(LocalServer.repositoryRoot().resolve("openapi.yaml"))) {
            openApi = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    // --- the values -----------------------------------------------------------------------------

    static final String LONG = "a".repeat(100_000);

    /** Hostile JSON values, by label: each replaces one field of an otherwise plausible body. */
    static Map<String, String> jsonValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("a string", "\"hostile\"");
        values.put("an integer", "7");
        values.put("null", "null");
        values.put("an object", "{\"a\":{\"b\":1}}");
        values.put("-1", "-1");
        values.put("1e309", "1e309");
        values.put("a 30-digit integer", "123456789012345678901234567890");
        values.put("NaN", "NaN");
        values.put("10k integers", "[" + String.join(",", java.util.Collections.nCopies(10_000, "1")) + "]");
        values.put("10k strings", "[" + String.join(",", java.util.Collections.nCopies(10_000, "\"x\"")) + "]");
        values.put("nesting 3000 deep", "[".repeat(3000) + "]".repeat(3000));
        values.put("RTL override", "\"\u202Egpj.exe\u202C\"");
        values.put("NUL", "\"a\\u0000b\"");
        values.put("a lone high surrogate", "\"x\\ud800\"");
        values.put("100 KB", "\"" + LONG + "\"");
        values.put("emoji and combining marks", "\"e\u0301\uD83D\uDE00\u0000\u200B\"");
        values.put("empty", "\"\"");
        return values;
    }

    /** Hostile text for path and query parameters and form fields, already percent-encoded. */
    static Map<String, String> encodedValues() {
        Map<String, String> values = new LinkedHashMap<>();
        for (String plain : List.of("-1", "1e309", "NaN", "123456789012345678901234567890", "../../etc/passwd",
                "<script>alert(1)</script>", "\u202Egpj.exe", "e\u0301\uD83D\uDE00", "%zz")) {
            values.put(plain.isBlank() ? "blank" : plain, encode(plain));
        }
        values.put("empty", "");
        values.put("NUL", "a%00b");
        values.put("a lone surrogate (CESU bytes)", "x%ED%A0%80");
        values.put("invalid UTF-8", "%C0%AF%FF");
        values.put("a raw bad escape", "%zz");
        values.put("4 KB", "a".repeat(4_000));
        values.put("100 KB", LONG);
        return values;
    }

    /** The text a percent-encoded value stands for; a value that is no valid encoding stands for itself. */
    static byte[] decoded(String value) {
        try {
            return java.net.URLDecoder.decode(value, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException notEncoding) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
    }

    static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    // --- the operations -------------------------------------------------------------------------

    record Operation(String method, String path, Map<String, Object> definition) {
        String key() {
            return method + " " + path;
        }
    }

    /** One request as sent on the wire: the target is raw (not re-encoded), so malformed ones go out as they are. */
    record Case(Operation operation, String input, String value, String target, String contentType, byte[] body,
            String token, boolean secretSent) {
        String key() {
            return operation.key() + " | " + input + " | " + value;
        }
    }

    record Answer(Case sent, int status, String contentType, String body, long nanos) {
    }

    @SuppressWarnings("unchecked")
    static List<Operation> operations() {
        List<Operation> operations = new ArrayList<>();
        ((Map<String, Object>) openApi.get("paths")).forEach((path, item) ->
                ((Map<String, Object>) item).forEach((method, definition) -> {
                    if (Set.of("get", "put", "post", "delete", "patch").contains(method)) {
                        operations.add(new Operation(method.toUpperCase(Locale.ROOT), path,
                                (Map<String, Object>) definition));
                    }
                }));
        return operations;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> resolve(Object node) {
        Map<String, Object> map = (Map<String, Object>) node;
        while (map != null && map.get("$ref") instanceof String ref) {
            Object target = openApi;
            for (String part : ref.substring(2).split("/")) {
                target = ((Map<String, Object>) target).get(part);
            }
            map = (Map<String, Object>) target;
        }
        return map == null ? Map.of() : map;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> parameters(Operation operation) {
        List<Map<String, Object>> parameters = new ArrayList<>();
        for (Object parameter : (List<Object>) operation.definition().getOrDefault("parameters", List.of())) {
            parameters.add(resolve(parameter));
        }
        return parameters;
    }

    /** The properties of a schema, with those of its {@code allOf}/{@code oneOf}/{@code anyOf} members. */
    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> properties(Map<String, Object> schema) {
        Map<String, Map<String, Object>> properties = new LinkedHashMap<>();
        ((Map<String, Object>) schema.getOrDefault("properties", Map.of()))
                .forEach((name, property) -> properties.put(name, resolve(property)));
        for (String combinator : List.of("allOf", "oneOf", "anyOf")) {
            for (Object member : (List<Object>) schema.getOrDefault(combinator, List.of())) {
                properties(resolve(member)).forEach(properties::putIfAbsent);
            }
        }
        return properties;
    }

    /** A value that passes for the schema's type, so that one hostile field is what the function sees. */
    @SuppressWarnings("unchecked")
    static String plausibleJson(Map<String, Object> schema) {
        if (schema.get("enum") instanceof List<?> values && !values.isEmpty()) {
            return Json.writeString(values.get(0));
        }
        return switch (String.valueOf(schema.get("type"))) {
            case "integer" -> "1";
            case "number" -> "1.5";
            case "boolean" -> "false";
            case "array" -> "[]";
            case "object" -> "{}";
            default -> "uuid".equals(schema.get("format")) ? "\"" + UUID.randomUUID() + "\"" : "\"x1\"";
        };
    }

    static String plausiblePathValue(Map<String, Object> parameter) {
        Map<String, Object> schema = resolve(parameter.get("schema"));
        if ("integer".equals(schema.get("type"))) {
            return "1";
        }
        return "uuid".equals(schema.get("format")) ? UUID.randomUUID().toString() : "x1";
    }

    static String pathWith(Operation operation, String name, String encodedValue) {
        String path = operation.path();
        for (Map<String, Object> parameter : parameters(operation)) {
            if ("path".equals(parameter.get("in"))) {
                String value = parameter.get("name").equals(name) ? encodedValue : plausiblePathValue(parameter);
                path = path.replace("{" + parameter.get("name") + "}", value);
            }
        }
        return path;
    }

    @SuppressWarnings("unchecked")
    static List<Case> cases(Operation operation, String token) {
        List<Case> cases = new ArrayList<>();
        String plainPath = pathWith(operation, "", "");
        for (Map<String, Object> parameter : parameters(operation)) {
            String name = String.valueOf(parameter.get("name"));
            String in = String.valueOf(parameter.get("in"));
            encodedValues().forEach((label, value) -> {
                if (in.equals("path")) {
                    if (!value.isEmpty()) {
                        cases.add(raw(operation, "path " + name, label, pathWith(operation, name, value), null, null, token));
                    }
                } else if (in.equals("query")) {
                    cases.add(raw(operation, "query " + name, label, plainPath + "?" + name + "=" + value, null, null,
                            token));
                }
            });
            if (in.equals("query")) {
                cases.add(raw(operation, "query " + name, "repeated 1,000 times", plainPath + "?"
                        + String.join("&", java.util.Collections.nCopies(1_000, name + "=1")), null, null, token));
            }
        }
        Map<String, Object> requestBody = resolve(operation.definition().get("requestBody"));
        Map<String, Object> content = (Map<String, Object>) requestBody.getOrDefault("content", Map.of());
        boolean hasBody = !content.isEmpty() || !operation.method().equals("GET") && !operation.method().equals("DELETE");
        content.forEach((mediaType, media) -> {
            Map<String, Object> schema = resolve(((Map<String, Object>) media).get("schema"));
            Map<String, Map<String, Object>> fields = properties(schema);
            switch (mediaType) {
                case "application/json" -> fields.forEach((field, fieldSchema) -> jsonValues().forEach((label, value) -> {
                    StringBuilder body = new StringBuilder("{");
                    fields.forEach((other, otherSchema) -> body.append(body.length() > 1 ? "," : "")
                            .append(Json.writeString(other))
                            .append(':').append(other.equals(field) ? value : plausibleJson(otherSchema)));
                    cases.add(raw(operation, "json " + field, label, plainPath, "application/json",
                            body.append('}').toString().getBytes(StandardCharsets.UTF_8), token,
                            Redaction.isSensitiveField(field)));
                }));
                case "application/x-www-form-urlencoded" -> fields.forEach((field, fieldSchema) ->
                        encodedValues().forEach((label, value) -> {
                            StringBuilder body = new StringBuilder();
                            fields.keySet().forEach(other -> body.append(body.isEmpty() ? "" : "&").append(other)
                                    .append('=').append(other.equals(field) ? value : "x1"));
                            cases.add(raw(operation, "form " + field, label, plainPath, mediaType,
                                    body.toString().getBytes(StandardCharsets.UTF_8), token,
                                    Redaction.isSensitiveField(field)));
                        }));
                case "multipart/form-data" -> fields.forEach((field, fieldSchema) -> {
                    Map<String, byte[]> values = new LinkedHashMap<>();
                    encodedValues().forEach((label, value) -> values.put(label, decoded(value)));
                    values.put("invalid UTF-8 bytes", new byte[] {(byte) 0xC0, (byte) 0xAF, (byte) 0xFF, 0});
                    values.put("a PNG header claiming 100000 x 100000 pixels", hugePngHeader());
                    values.put("an empty file", new byte[0]);
                    values.forEach((label, bytes) -> {
                        String boundary = "hostile" + UUID.randomUUID();
                        cases.add(raw(operation, "multipart " + field, label, plainPath,
                                "multipart/form-data; boundary=" + boundary, multipart(boundary, field, bytes), token,
                                Redaction.isSensitiveField(field)));
                    });
                });
                default -> { // image/*, application/octet-stream: the body is the file
                    String type = mediaType.equals("image/*") ? "image/png" : mediaType;
                    cases.add(raw(operation, "body " + mediaType, "a PNG header claiming 100000 x 100000 pixels",
                            plainPath, type, hugePngHeader(), token));
                    cases.add(raw(operation, "body " + mediaType, "100 KB of zeros", plainPath, type, new byte[100_000],
                            token));
                    cases.add(raw(operation, "body " + mediaType, "invalid UTF-8", plainPath, type,
                            new byte[] {(byte) 0xC0, (byte) 0xAF, (byte) 0xFF}, token));
                }
            }
        });
        if (hasBody) {
            Map<String, byte[]> bodies = new LinkedHashMap<>();
            bodies.put("not JSON", "{\"a\":".getBytes(StandardCharsets.UTF_8));
            bodies.put("a JSON list", "[1,2,3]".getBytes(StandardCharsets.UTF_8));
            bodies.put("JSON null", "null".getBytes(StandardCharsets.UTF_8));
            bodies.put("a JSON string", "\"x\"".getBytes(StandardCharsets.UTF_8));
            bodies.put("10k-element list", jsonValues().get("10k integers").getBytes(StandardCharsets.UTF_8));
            bodies.put("nesting 3000 deep", ("{\"a\":".repeat(3000) + "1" + "}".repeat(3000)).getBytes(StandardCharsets.UTF_8));
            bodies.put("10k keys", ("{" + String.join(",", java.util.stream.IntStream.range(0, 10_000)
                    .mapToObj(i -> "\"k" + i + "\":1").toList()) + "}").getBytes(StandardCharsets.UTF_8));
            bodies.put("a duplicate key", "{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8));
            bodies.put("a byte-order mark", "\uFEFF{}".getBytes(StandardCharsets.UTF_8));
            bodies.put("invalid UTF-8", new byte[] {'{', '"', (byte) 0xC0, (byte) 0xAF, '"', ':', '1', '}'});
            bodies.forEach((label, bytes) -> cases.add(raw(operation, "body", label, plainPath, "application/json", bytes,
                    token)));
            cases.add(raw(operation, "body", "JSON sent as text/plain", plainPath, "text/plain",
                    "{}".getBytes(StandardCharsets.UTF_8), token));
            cases.add(raw(operation, "body", "a multipart type without a boundary", plainPath, "multipart/form-data",
                    "--x\r\n\r\n".getBytes(StandardCharsets.UTF_8), token));
            cases.add(raw(operation, "body", "a content type with a bad charset", plainPath,
                    "application/json; charset=no-such-charset", "{}".getBytes(StandardCharsets.UTF_8), token));
        }
        return cases;
    }

    static Case raw(Operation operation, String input, String value, String target, String contentType, byte[] body,
            String token) {
        return raw(operation, input, value, target, contentType, body, token, false);
    }

    static Case raw(Operation operation, String input, String value, String target, String contentType, byte[] body,
            String token, boolean secretSent) {
        return new Case(operation, input, value, target, contentType, body, token, secretSent);
    }

    static byte[] multipart(String boundary, String field, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field
                + "\"; filename=\"hostile.png\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        out.writeBytes(value);
        out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    /** A PNG signature and IHDR chunk claiming 100000 x 100000 pixels, and nothing after it. */
    static byte[] hugePngHeader() {
        return new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                0, 1, (byte) 0x86, (byte) 0xa0, 0, 1, (byte) 0x86, (byte) 0xa0, 8, 2, 0, 0, 0, 0, 0, 0, 0};
    }

    // --- the run --------------------------------------------------------------------------------

    @Test
    void everyOperation_everyInput_hostileValues_neverA5xx_every4xxIsProblemJson() throws Exception {
        List<Answer> answers = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        long started = System.nanoTime();
        // a few at a time, as a busy client would; answers are checked in the order they were sent
        ExecutorService senders = Executors.newFixedThreadPool(3);
        List<Future<Answer>> pending = new ArrayList<>();
        for (Operation operation : operations()) {
            if (SKIPPED.contains(operation.key())) {
                continue;
            }
            String token = answer(raw(operation, "probe", "-", pathWith(operation, "", ""), null, null, userToken))
                    .status() == 403 ? adminToken : userToken;
            for (Case sent : cases(operation, token)) {
                pending.add(senders.submit(() -> answer(sent)));
            }
        }
        for (Future<Answer> future : pending) {
            Answer answer = future.get();
            answers.add(answer);
            String problem = check(answer);
            if (problem != null) {
                failures.add(answer.sent().key() + " → " + problem);
            }
        }
        senders.shutdown();
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
        System.out.printf("%nhostile input: %d requests in %d s; slowest 10:%n", answers.size(), seconds);
        answers.stream().sorted(Comparator.comparingLong(Answer::nanos).reversed()).limit(10)
                .forEach(a -> System.out.printf("  %8.1f ms  %d  %s%n", a.nanos() / 1e6, a.status(), a.sent().key()));
        assertThat(answers).hasSizeGreaterThan(1000);
        assertThat(failures).as("answers to hostile input that are 5xx, not problem+json, or garbled").isEmpty();
    }

    /**
     * Sends one case on its own connection ({@code Connection: close}) and reads the answer to its
     * end: a plain HTTP/1.1 client, because the JDK's refuses to send malformed targets and reuses
     * connections the server has closed after refusing one.
     */
    static Answer answer(Case sent) {
        long start = System.nanoTime();
        try (Socket socket = new Socket("127.0.0.1", server.baseUri().getPort())) {
            socket.setSoTimeout(60_000);
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            head.writeBytes((sent.operation().method() + " " + sent.target() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Connection: close\r\nAuthorization: Bearer " + sent.token() + "\r\n").getBytes(StandardCharsets.UTF_8));
            if (sent.contentType() != null) {
                head.writeBytes(("Content-Type: " + sent.contentType() + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            byte[] body = sent.body() == null ? new byte[0] : sent.body();
            if (sent.body() != null || !sent.operation().method().equals("GET")) {
                head.writeBytes(("Content-Length: " + body.length + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            head.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
            OutputStream out = socket.getOutputStream();
            try {
                out.write(head.toByteArray());
                out.write(body);
                out.flush();
            } catch (IOException answeredEarly) {
                // the server may refuse (and close) before it has read everything: read its answer
            }
            byte[] response = socket.getInputStream().readAllBytes();
            return parse(sent, response, System.nanoTime() - start);
        } catch (IOException e) {
            return new Answer(sent, -1, "", e.toString(), System.nanoTime() - start);
        }
    }

    static Answer parse(Case sent, byte[] response, long nanos) {
        String text = new String(response, StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.1 ") || end < 0) {
            return new Answer(sent, -1, "", "not an HTTP answer: " + text, nanos);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].substring(9, 12));
        String contentType = "";
        boolean chunked = false;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-type:")) {
                contentType = line.substring(13).trim();
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        String body = text.substring(end + 4);
        if (chunked) {
            StringBuilder joined = new StringBuilder();
            int at = 0;
            while (at < body.length()) {
                int lineEnd = body.indexOf("\r\n", at);
                int size = Integer.parseInt(body.substring(at, lineEnd).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                joined.append(body, lineEnd + 2, lineEnd + 2 + size);
                at = lineEnd + 2 + size + 2;
            }
            body = joined.toString();
        }
        return new Answer(sent, status, contentType, body, nanos);
    }

    /** What is wrong with an answer, or null. */
    static String check(Answer answer) {
        String body = answer.body().length() > 300 ? answer.body().substring(0, 300) + "…" : answer.body();
        if (answer.status() < 0) {
            return "no answer: " + body;
        }
        if (answer.status() >= 500) {
            return answer.status() + " " + body;
        }
        if (answer.status() >= 400) {
            if (!answer.contentType().startsWith("application/problem+json")) {
                return answer.status() + " as " + answer.contentType() + ": " + body;
            }
            JsonNode problem = Json.readTree(answer.body().getBytes(StandardCharsets.UTF_8));
            if (problem.path("status").asInt() != answer.status() || problem.path("detail").asText().isBlank()) {
                return answer.status() + " with a problem that does not match: " + body;
            }
        }
        if (answer.status() >= 400 && !answer.sent().secretSent() && answer.body().contains(Redaction.REDACTED)) {
            return answer.status() + " redacted though no secret was sent: " + body;
        }
        return null;
    }

    // --- helpers --------------------------------------------------------------------------------

    static HttpRequest json(String method, String path, String token, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .method(method, BodyPublishers.ofString(body)).header("content-type", "application/json");
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        return request.build();
    }

    static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, BodyHandlers.ofString());
    }

    static String login(String username, String password) throws Exception {
        var response = send(json("POST", "/auth/login", null,
                "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}"));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher token = Pattern.compile("\"access_token\":\"([^\"]+)\"").matcher(response.body());
        assertThat(token.find()).isTrue();
        return token.group(1);
    }
}
