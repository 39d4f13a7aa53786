package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.mlapi.core.json.Json;
import dev.mlapi.inference.TinyOnnx;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The report function's dashboard in a real headless browser against the local server: after a
 * few requests (classify by URL with a tiny model, a failure), an admin who signs in on the page
 * sees every chart drawn from {@code /stats} and {@code /report}; a user is told it is for admins.
 */
@ExtendWith(HeadlessBrowser.Required.class)
class DashboardBrowserTest {

    static final String ADMIN_PASSWORD = "dashboard-admin-password";
    static final String MODEL = "dash-tiny";

    @TempDir
    static Path data;
    static LocalServer server;
    static HttpServer images;
    static ChromeDriver browser;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        browser = HeadlessBrowser.start();
        images = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        byte[] png = bluePng();
        images.createContext("/blue.png", exchange -> {
            exchange.getResponseHeaders().set("content-type", "image/png");
            exchange.sendResponseHeaders(200, png.length);
            try (exchange) {
                exchange.getResponseBody().write(png);
            }
        });
        images.start();
        // The image server is on loopback, which the URL fetcher refuses unless told otherwise.
        server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0), LocalServer.repositoryRoot(),
                Map.of("ADMIN_PASSWORD", ADMIN_PASSWORD, "URL_FETCH_ALLOW_LOOPBACK", "true"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.close();
        }
        if (images != null) {
            images.stop(0);
        }
    }

    static byte[] bluePng() {
        BufferedImage blue = new BufferedImage(48, 40, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = blue.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(0, 0, 48, 40);
        g.dispose();
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(blue, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return png.toByteArray();
    }

    static HttpResponse<String> send(String method, String path, String token, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(server.baseUri() + path))
                .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofByteArray(body));
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("content-type", contentType);
        }
        return HTTP.send(request.build(), BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> response) {
        return Json.readTree(response.body().getBytes(StandardCharsets.UTF_8));
    }

    static String login(String username, String password) throws Exception {
        HttpResponse<String> response = send("POST", "/auth/login", null, "application/json",
                ("{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}").getBytes(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return json(response).get("access_token").asText();
    }

    static String registerTinyModel(String admin) throws Exception {
        String boundary = "----dashboard-e2e";
        String metadata = "{\"labels\":[\"red\",\"green\",\"blue\"],\"preprocessing\":{\"resize\":40,\"crop\":32,"
                + "\"scale\":0.00392156862745098,\"mean\":[0,0,0],\"std\":[1,1,1],\"output_is_probability\":false}}";
        ByteArrayOutputStream form = new ByteArrayOutputStream();
        form.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nimage_classifier\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n" + metadata + "\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model_file\"; filename=\"tiny.onnx\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        form.writeBytes(TinyOnnx.logitsModel());
        form.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> registered = send("POST", "/models/" + MODEL + "/versions", admin,
                "multipart/form-data; boundary=" + boundary, form.toByteArray());
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        return MODEL + ":" + json(registered).get("version").asText();
    }

    static void signIn(String username, String password) {
        browser.get(server.baseUri() + "/dashboard");
        var wait = HeadlessBrowser.waitFor(browser);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("username"))).sendKeys(username);
        browser.findElement(By.id("password")).sendKeys(password);
        browser.findElement(By.id("sign-in")).click();
    }

    /** The data Chart.js holds for the chart drawn on a canvas of the page. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> chartData(String canvasId) {
        return (Map<String, Object>) browser.executeScript(
                "const chart = Chart.getChart(document.getElementById(arguments[0]));"
                        + "return chart ? {labels: chart.data.labels, datasets: chart.data.datasets.map(d => ({label: d.label, data: d.data}))} : null;",
                canvasId);
    }

    @SuppressWarnings("unchecked")
    static List<String> labels(Map<String, Object> chart) {
        return (List<String>) chart.get("labels");
    }

    @SuppressWarnings("unchecked")
    static List<Number> dataset(Map<String, Object> chart, int index) {
        return (List<Number>) ((List<Map<String, Object>>) chart.get("datasets")).get(index).get("data");
    }

    @Test
    void dashboard_asAdmin_afterSomeRequests_drawsEveryChart() throws Exception {
        String admin = login("admin", ADMIN_PASSWORD);
        String model = registerTinyModel(admin);
        String imageUrl = "http://127.0.0.1:" + images.getAddress().getPort() + "/blue.png";
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> classified = send("POST", "/classify?model=" + model, admin, "application/json",
                    ("{\"image_url\":\"" + imageUrl + "\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        }
        assertThat(send("GET", "/models/no-such-model", admin, null, null).statusCode()).isEqualTo(404);
        // The rollups follow the log through the stream: wait until report shows the classifications.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!send("GET", "/report?group_by=image_url", admin, null, null).body().contains("\"classification_count\":3")) {
            assertThat(System.nanoTime()).as("the classifications reach /report within 30 s").isLessThan(deadline);
            Thread.sleep(250);
        }

        signIn("admin", ADMIN_PASSWORD);
        HeadlessBrowser.waitFor(browser).until(ExpectedConditions.visibilityOfElementLocated(By.id("charts")));

        assertThat(browser.findElements(By.cssSelector("#charts canvas"))).hasSize(4);
        Map<String, Object> requests = chartData("requests");
        assertThat((List<?>) requests.get("labels")).isNotEmpty();
        assertThat(dataset(requests, 0).stream().mapToLong(Number::longValue).sum()).isGreaterThanOrEqualTo(5);
        assertThat(dataset(requests, 1).stream().mapToLong(Number::longValue).sum()).as("errors").isGreaterThanOrEqualTo(1);
        Map<String, Object> latency = chartData("latency");
        assertThat(((List<?>) latency.get("datasets"))).hasSize(3);
        assertThat(dataset(latency, 2)).isNotEmpty().allSatisfy(p99 -> assertThat(p99.doubleValue()).isPositive());
        Map<String, Object> topImages = chartData("top-images");
        assertThat(labels(topImages)).containsExactly(imageUrl);
        assertThat(dataset(topImages, 0)).extracting(Number::longValue).containsExactly(3L);
        Map<String, Object> topModels = chartData("top-models");
        assertThat(labels(topModels)).contains(model);
        assertThat(browser.findElement(By.id("summary")).getText()).contains("requests from");
        assertThat(browser.findElement(By.id("message")).isDisplayed()).isFalse();
    }

    @Test
    void dashboard_asUser_saysItIsForAdminsOnly() throws Exception {
        HttpResponse<String> registered = send("POST", "/auth/users", null, "application/json",
                "{\"username\":\"dash-user\",\"password\":\"dash-user-password\"}".getBytes(StandardCharsets.UTF_8));
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);

        signIn("dash-user", "dash-user-password");
        var message = HeadlessBrowser.waitFor(browser)
                .until(ExpectedConditions.visibilityOfElementLocated(By.id("message")));

        assertThat(message.getText()).startsWith("Admins only");
        assertThat(browser.findElement(By.id("charts")).isDisplayed()).isFalse();
        assertThat((Object) browser.executeScript("return Chart.getChart(document.getElementById('requests')) || null"))
                .isNull();
    }

    @Test
    void page_carriesAContentSecurityPolicy_andNoData() throws Exception {
        HttpResponse<String> page = send("GET", "/dashboard", null, null, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("content-security-policy")).get().asString()
                .contains("script-src 'self'").doesNotContain("unsafe-inline");
        // the same bytes for everyone: no figure, user, model or URL in it
        assertThat(page.body()).doesNotContain(MODEL, "127.0.0.1", "total_requests", "error_rate");
    }
}
