package dev.mlapi.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Swagger UI at {@code /docs} (from the pinned swagger-ui webjar, so it works offline) over the
 * project's {@code openapi.yaml}, served at {@code /openapi.yaml}.
 */
final class DocsHandler implements HttpHandler {

    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final Map<String, String> TYPES = Map.of(
            "css", "text/css; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "png", "image/png",
            "html", "text/html; charset=utf-8",
            "map", "application/json");
    private static final String INDEX = """
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <title>mlapi - API docs</title>
              <link rel="stylesheet" href="/docs/swagger-ui.css">
            </head>
            <body>
              <div id="swagger-ui"></div>
              <script src="/docs/swagger-ui-bundle.js"></script>
              <script>
                window.ui = SwaggerUIBundle({url: "/openapi.yaml", dom_id: "#swagger-ui", persistAuthorization: true});
              </script>
            </body>
            </html>
            """;

    private final Path openApi;
    private final String swaggerVersion;

    DocsHandler(Path openApi, String swaggerVersion) {
        this.openApi = openApi;
        this.swaggerVersion = swaggerVersion;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (!exchange.getRequestMethod().equals("GET") && !exchange.getRequestMethod().equals("HEAD")) {
                send(exchange, 405, "text/plain", "method not allowed".getBytes(StandardCharsets.UTF_8));
            } else if (path.equals("/openapi.yaml")) {
                send(exchange, 200, "application/yaml; charset=utf-8", Files.readAllBytes(openApi));
            } else if (path.equals("/") || path.equals("/docs")) {
                exchange.getResponseHeaders().set("location", "/docs/");
                exchange.sendResponseHeaders(302, -1);
            } else if (path.equals("/docs/") || path.equals("/docs/index.html")) {
                send(exchange, 200, TYPES.get("html"), INDEX.getBytes(StandardCharsets.UTF_8));
            } else {
                asset(exchange, path.substring("/docs/".length()));
            }
        }
    }

    private void asset(HttpExchange exchange, String name) throws IOException {
        if (!name.matches("[a-zA-Z0-9._-]+")) {
            send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
            return;
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(WEBJAR + swaggerVersion + "/" + name)) {
            if (in == null) {
                send(exchange, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            String extension = name.substring(name.lastIndexOf('.') + 1);
            send(exchange, 200, TYPES.getOrDefault(extension, "application/octet-stream"), in.readAllBytes());
        }
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("content-type", type);
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
