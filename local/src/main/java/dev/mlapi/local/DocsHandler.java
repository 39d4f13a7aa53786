package dev.mlapi.local;

import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.http.ProblemMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import java.util.Set;

/**
 * Swagger UI at {@code /docs} (from the pinned swagger-ui webjar, so it works offline) over the
 * project's {@code openapi.yaml}, served at {@code /openapi.yaml}. Its errors are problem+json like
 * the API's.
 */
final class DocsHandler implements Request.Handler {

    /** The FastAPI ResNet service's documentation pages under its compatibility base path: redirected to these docs. */
    static final Set<String> COMPAT_PATHS = Set.of("/compat/resnet/docs", "/compat/resnet/redoc");

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
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String path = request.getHttpURI().getPath();
        if (!request.getMethod().equals("GET") && !request.getMethod().equals("HEAD")) {
            problem(request, response, callback,
                    new ApiException.MethodNotAllowed(request.getMethod() + " is not allowed on " + path), path);
        } else if (path.equals("/openapi.yaml")) {
            send(response, callback, 200, "application/yaml; charset=utf-8", Files.readAllBytes(openApi));
        } else if (path.equals("/") || path.equals("/docs") || COMPAT_PATHS.contains(path)) {
            response.getHeaders().put("location", "/docs/");
            send(response, callback, 302, null, new byte[0]);
        } else if (path.equals("/docs/") || path.equals("/docs/index.html")) {
            send(response, callback, 200, TYPES.get("html"), INDEX.getBytes(StandardCharsets.UTF_8));
        } else {
            asset(request, response, callback, path);
        }
        return true;
    }

    private void asset(Request request, Response response, Callback callback, String path) throws IOException {
        String name = path.substring("/docs/".length());
        ApiException notFound = new ApiException.NotFound("no such file of the API docs: " + path);
        if (!name.matches("[a-zA-Z0-9._-]+")) {
            problem(request, response, callback, notFound, path);
            return;
        }
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(WEBJAR + swaggerVersion + "/" + name)) {
            if (in == null) {
                problem(request, response, callback, notFound, path);
                return;
            }
            String extension = name.substring(name.lastIndexOf('.') + 1);
            send(response, callback, 200, TYPES.getOrDefault(extension, "application/octet-stream"), in.readAllBytes());
        }
    }

    private static void problem(Request request, Response response, Callback callback, ApiException error,
            String path) {
        String requestId = ApiGatewayRouter.requestId(request);
        ApiResponse problem = ProblemMapper.render(error, path, requestId).withHeader("x-request-id", requestId);
        problem.headers().forEach(response.getHeaders()::put);
        send(response, callback, problem.status(), null, problem.body());
    }

    private static void send(Response response, Callback callback, int status, String type, byte[] body) {
        if (type != null) {
            response.getHeaders().put("content-type", type);
        }
        response.setStatus(status);
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
