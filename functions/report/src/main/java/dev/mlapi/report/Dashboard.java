package dev.mlapi.report;

import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.http.ApiResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Properties;

/**
 * The operators' dashboard: one HTML page that holds no data, its script and style, and the pinned
 * Chart.js from its webjar, all read from the jar once. The page asks for a login and then calls
 * {@code /stats} and {@code /report} with the token, as Swagger UI does.
 */
final class Dashboard {

    /** Scripts, styles and calls from this origin only; nothing inline, no frames, no form posts. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static final String OWN = "dev/mlapi/report/dashboard/";
    private static final String CHART_JS = "META-INF/resources/webjars/chart.js/%s/dist/chart.umd.js";
    private static final String CHART_JS_POM = "META-INF/maven/org.webjars.npm/chart.js/pom.properties";
    private static final String JS = "text/javascript; charset=utf-8";

    private final ApiResponse page;
    private final Map<String, ApiResponse> assets;

    private Dashboard(ApiResponse page, Map<String, ApiResponse> assets) {
        this.page = page;
        this.assets = assets;
    }

    static Dashboard fromClasspath() {
        return new Dashboard(
                secured(ApiResponse.bytes(200, "text/html; charset=utf-8", read(OWN + "dashboard.html")))
                        .withHeader("cache-control", "no-store"),
                Map.of("dashboard.js", asset(JS, read(OWN + "dashboard.js")),
                        "dashboard.css", asset("text/css; charset=utf-8", read(OWN + "dashboard.css")),
                        "chart.umd.js", asset(JS, read(CHART_JS.formatted(chartJsVersion())))));
    }

    /** {@code GET /dashboard}. */
    ApiResponse page() {
        return page;
    }

    /** {@code GET /dashboard/{asset}}: only the page's own files, by exact name. */
    ApiResponse asset(String name) {
        ApiResponse asset = assets.get(name);
        if (asset == null) {
            throw new NotFound("the dashboard has no file '" + name + "'");
        }
        return asset;
    }

    private static ApiResponse asset(String type, byte[] body) {
        return secured(ApiResponse.bytes(200, type, body)).withHeader("cache-control", "public, max-age=3600");
    }

    private static ApiResponse secured(ApiResponse response) {
        return response.withHeader("content-security-policy", CONTENT_SECURITY_POLICY)
                .withHeader("x-content-type-options", "nosniff")
                .withHeader("referrer-policy", "no-referrer");
    }

    private static String chartJsVersion() {
        Properties properties = new Properties();
        try (InputStream in = resource(CHART_JS_POM)) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + CHART_JS_POM, e);
        }
        return properties.getProperty("version");
    }

    private static byte[] read(String name) {
        try (InputStream in = resource(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + name, e);
        }
    }

    private static InputStream resource(String name) {
        InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException(name + " is missing from the classpath (the report jar bundles it)");
        }
        return in;
    }
}
