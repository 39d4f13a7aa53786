package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.error.Redaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Problem details read as written: {@link Redaction} hides secrets a caller sent, never the words
 * of the API's own messages. Every message the functions can put in a problem (each literal of
 * a {@code new InvalidInput(…)}, {@code FieldError(…)}, {@code .field(…)} and the other problems in
 * the sources), behind every sensitive field's name as problem details write it, and the
 * validation errors of login, registration and password change from the running server.
 */
class ProblemDetailRedactionTest {

    static final String ADMIN_PASSWORD = "redaction-admin-password";
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** Statements that build a problem or a field error: their text literals are what callers read. */
    static final Pattern PROBLEM_STATEMENT = Pattern.compile(
            "(?:new\\s+(?:ApiException\\.)?(?:InvalidInput|Unauthorized|Forbidden|NotFound|MethodNotAllowed|Conflict"
                    + "|PayloadTooLarge|UnsupportedMediaType|Unprocessable|TooManyRequests|ServiceUnavailable"
                    + "|FieldError)|InvalidInput\\.field|\\.field)\\s*\\((.*?)\\);", Pattern.DOTALL);
    static final Pattern LITERAL = Pattern.compile("\"((?:[^\"\\\\\\n]|\\\\.)*)\"");
    static final List<String> SENSITIVE_FIELDS = List.of("password", "current_password", "new_password", "token",
            "access_token", "authorization", "api_key", "secret", "signature");

    @TempDir
    static Path data;
    static LocalServer server;

    @BeforeAll
    static void start() {
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static List<String> problemMessages() throws IOException {
        List<String> messages = new ArrayList<>();
        Path functions = LocalServer.repositoryRoot().resolve("functions");
        try (Stream<Path> files = Files.walk(functions)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && f.toString().contains("/src/main/"))
                    .toList()) {
                Matcher statement = PROBLEM_STATEMENT.matcher(Files.readString(file));
                while (statement.find()) {
                    Matcher literal = LITERAL.matcher(statement.group(1));
                    while (literal.find()) {
                        String text = literal.group(1).replace("\\\"", "\"").replace("\\'", "'").replace("\\\\", "\\");
                        if (text.chars().anyMatch(Character::isLetter)) {
                            messages.add(text);
                        }
                    }
                }
            }
        }
        return messages;
    }

    @Test
    void everyMessageOfTheSources_behindEverySensitiveFieldsName_readsAsWritten() throws IOException {
        List<String> messages = problemMessages();
        assertThat(messages).as("problem messages found in the sources").hasSizeGreaterThan(200);
        List<String> garbled = new ArrayList<>();
        for (String message : messages) {
            // A literal that opens with a quote closes a value quoted from input ("column '" + name + "' is …"):
            // behind a sensitive name, that value is rightly redacted, so only the literal alone is checked.
            boolean continuesAQuotedValue = message.startsWith("'") || message.startsWith("\"");
            for (String text : Stream.concat(Stream.of(message, message.strip()), continuesAQuotedValue ? Stream.empty()
                    : SENSITIVE_FIELDS.stream().map(field -> field + ": " + message.strip())).toList()) {
                if (!Redaction.redact(text).equals(text)) {
                    garbled.add(text + "  →  " + Redaction.redact(text));
                }
            }
        }
        assertThat(garbled).isEmpty();
    }

    @Test
    void loginRegistrationAndPasswordChange_validationErrors_haveNoRedactedWords() throws Exception {
        String userToken = null;
        var registered = post("/auth/users", "application/json",
                "{\"username\":\"redaction-user\",\"password\":\"redaction-password-42\"}", null);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        var login = post("/auth/login", "application/json",
                "{\"username\":\"redaction-user\",\"password\":\"redaction-password-42\"}", null);
        userToken = login.body().replaceAll(".*\"access_token\":\"([^\"]+)\".*", "$1");

        Map<String, String[]> refused = new LinkedHashMap<>();
        // name → {path, content type, body}; no secret below is ever quoted back, so nothing may be redacted
        refused.put("login without a password (form)", new String[] {"/auth/login", "application/x-www-form-urlencoded",
                "username=admin"});
        refused.put("login without a username (form)", new String[] {"/auth/login", "application/x-www-form-urlencoded",
                "password=whatever-it-is"});
        refused.put("login without either (JSON)", new String[] {"/auth/login", "application/json", "{}"});
        refused.put("login with a wrong password", new String[] {"/auth/login", "application/json",
                "{\"username\":\"redaction-user\",\"password\":\"not-the-password\"}"});
        refused.put("login with a password that is not text", new String[] {"/auth/login", "application/json",
                "{\"username\":\"redaction-user\",\"password\":12345678}"});
        refused.put("register with a short password", new String[] {"/auth/users", "application/json",
                "{\"username\":\"bob\",\"password\":\"short\"}"});
        refused.put("register without a password", new String[] {"/auth/users", "application/json",
                "{\"username\":\"bob\"}"});
        refused.put("register with a 200-character password", new String[] {"/auth/users", "application/json",
                "{\"username\":\"bob\",\"password\":\"" + "p".repeat(200) + "\"}"});
        refused.put("register with a bad username", new String[] {"/auth/users", "application/json",
                "{\"username\":\"b o b\",\"password\":\"long-enough-password\"}"});
        refused.put("register taken", new String[] {"/auth/users", "application/json",
                "{\"username\":\"redaction-user\",\"password\":\"long-enough-password\"}"});
        refused.put("password change without fields", new String[] {"/auth/password", "application/json", "{}"});
        refused.put("password change to a short one", new String[] {"/auth/password", "application/json",
                "{\"current_password\":\"redaction-password-42\",\"new_password\":\"short\"}"});
        refused.put("password change with a wrong current one", new String[] {"/auth/password", "application/json",
                "{\"current_password\":\"not-it-at-all\",\"new_password\":\"long-enough-password-2\"}"});
        refused.put("password change with an unknown field", new String[] {"/auth/password", "application/json",
                "{\"current_password\":\"x\",\"new_password\":\"y\",\"password\":\"z\"}"});
        List<String> garbled = new ArrayList<>();
        for (var request : refused.entrySet()) {
            String[] r = request.getValue();
            var response = post(r[0], r[1], r[2], r[0].equals("/auth/password") ? userToken : null);
            assertThat(response.statusCode()).as(request.getKey() + ": " + response.body()).isBetween(400, 499);
            if (response.body().contains(Redaction.REDACTED)) {
                garbled.add(request.getKey() + ": " + response.body());
            }
        }
        assertThat(garbled).isEmpty();
    }

    @Test
    void aSecretQuotedBackInAProblem_isStillRedacted() throws Exception {
        // a body that is not JSON: the parser quotes what it read, secret and all
        var response = post("/auth/login", "application/json", "{\"password\": \"hunter2-secret\" \"username\"", null);
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.body()).doesNotContain("hunter2-secret");
    }

    static HttpResponse<String> post(String path, String contentType, String body, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(server.baseUri().resolve(path))
                .POST(BodyPublishers.ofString(body)).header("content-type", contentType);
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        try {
            return http.send(request.build(), BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
