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
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The report function's dashboard in a real headless browser (in the Asia/Kolkata time zone)
 * against the local server: after a few requests (classify by URL with two versions of a tiny
 * model behind a canary, a failure), an admin who signs in on the page sees every chart drawn from
 * {@code /stats} and {@code /report} for the range chosen, a per-route table equal to
 * {@code /report}'s, and a model's versions side by side with its alias state; a user is told it is
 * for admins.
 */
@ExtendWith(HeadlessBrowser.Required.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    static final String ADMIN_PASSWORD = "dashboard-admin-password";
    static final String MODEL = "dash-tiny";
    static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");

    @TempDir
    static Path data;
    static LocalServer server;
    static HttpServer images;
    static ChromeDriver browser;
    static String admin;
    static String imageUrl;
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
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
        // Every page of this class runs in a zone half an hour off UTC, so a time shown in UTC shows.
        browser.executeCdpCommand("Emulation.setTimezoneOverride", Map.of("timezoneId", ZONE.getId()));
        someRequests();
    }

    /**
     * Two versions of a model behind an alias with a canary, five classifications by URL (three
     * by v1, two by v2) and a 404, waited for until /report shows them.
     */
    static void someRequests() throws Exception {
        admin = login("admin", ADMIN_PASSWORD);
        registerTinyModel(admin);
        registerTinyModel(admin);
        HttpResponse<String> alias = send("PUT", "/models/" + MODEL + "/aliases/production", admin, "application/json",
                "{\"version\":1,\"canary\":{\"version\":2,\"weight\":50}}".getBytes(StandardCharsets.UTF_8));
        assertThat(alias.statusCode()).as(alias.body()).isEqualTo(200);
        imageUrl = "http://127.0.0.1:" + images.getAddress().getPort() + "/blue.png";
        for (String version : List.of("1", "1", "1", "2", "2")) {
            HttpResponse<String> classified = send("POST", "/classify?model=" + MODEL + ":" + version, admin,
                    "application/json", ("{\"image_url\":\"" + imageUrl + "\"}").getBytes(StandardCharsets.UTF_8));
            assertThat(classified.statusCode()).as(classified.body()).isEqualTo(200);
        }
        assertThat(send("GET", "/models/no-such-model", admin, null, null).statusCode()).isEqualTo(404);
        // The rollups follow the log through the stream: wait until report shows the last requests.
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!send("GET", "/report?group_by=image_url", admin, null, null).body().contains("\"classification_count\":5")
                || !send("GET", "/report?group_by=status", admin, null, null).body().contains("\"status\":\"404\"")) {
            assertThat(System.nanoTime()).as("the requests reach /report within 30 s").isLessThan(deadline);
            Thread.sleep(250);
        }
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

    /** The overview as the admin: signs in unless the page already shows the dashboard to the admin. */
    static void asAdmin() {
        if (browser.findElements(By.cssSelector("#dashboard[data-state=ready]")).isEmpty()
                || !browser.findElement(By.id("signed-in")).getText().equals("signed in as admin")) {
            signIn("admin", ADMIN_PASSWORD);
            ready();
        } else if (browser.findElement(By.id("model")).isDisplayed()) {
            clickAndWait(By.cssSelector("#model a[href='#']"));
        }
    }

    /** Waits until the page has drawn what it last asked for. */
    static void ready() {
        HeadlessBrowser.waitFor(browser).until(ExpectedConditions.attributeToBe(By.id("dashboard"), "data-state", "ready"));
    }

    /** Clicks, then waits until the page has drawn what the click asked for. */
    static void clickAndWait(By target) {
        browser.executeScript("document.getElementById('dashboard').dataset.state = 'clicked'");
        browser.findElement(target).click();
        ready();
    }

    static String shown(String attribute) {
        return browser.findElement(By.id("window")).getAttribute("data-" + attribute);
    }

    static String local(Instant instant) {
        return DateTimeFormatter.ofPattern("HH:mm").withZone(ZONE).format(instant);
    }

    @Test
    void dashboard_asAdmin_afterSomeRequests_drawsEveryChart_forTheLast24HoursPerMinute() throws Exception {
        asAdmin();
        clickAndWait(By.cssSelector("[data-range='24h']"));

        assertThat(browser.findElements(By.cssSelector("#charts canvas"))).hasSize(4);
        assertThat(shown("range")).isEqualTo("24h");
        assertThat(shown("interval")).isEqualTo("minute");
        Map<String, Object> requests = chartData("requests");
        assertThat(labels(requests)).as("a point for every minute of the day").hasSize(24 * 60);
        assertThat(dataset(requests, 0).stream().mapToLong(Number::longValue).sum()).isGreaterThanOrEqualTo(7);
        assertThat(dataset(requests, 1).stream().mapToLong(Number::longValue).sum()).as("errors").isGreaterThanOrEqualTo(1);
        Map<String, Object> latency = chartData("latency");
        assertThat(((List<?>) latency.get("datasets"))).hasSize(3);
        assertThat(dataset(latency, 2)).filteredOn(p99 -> p99 != null).isNotEmpty()
                .allSatisfy(p99 -> assertThat(p99.doubleValue()).isPositive());
        Map<String, Object> topImages = chartData("top-images");
        assertThat(labels(topImages)).containsExactly(imageUrl);
        assertThat(dataset(topImages, 0)).extracting(Number::longValue).containsExactly(5L);
        assertThat(labels(chartData("top-models"))).contains(MODEL + ":1", MODEL + ":2");
        assertThat(browser.findElement(By.id("summary")).getText()).contains("requests, error rate");
        assertThat(browser.findElement(By.id("message")).isDisplayed()).isFalse();
    }

    @Test
    void rangeButtons_eachAsksForItsWindow_andShowTheWindowAnswered() {
        asAdmin();
        Map<String, Duration> lengths = Map.of("15m", Duration.ofMinutes(15), "1h", Duration.ofHours(1),
                "24h", Duration.ofDays(1), "7d", Duration.ofDays(7), "30d", Duration.ofDays(30));
        for (String range : List.of("15m", "1h", "24h", "7d", "30d")) {
            clickAndWait(By.cssSelector("[data-range='" + range + "']"));

            Instant from = Instant.parse(shown("from"));
            Instant to = Instant.parse(shown("to"));
            Duration length = Duration.between(from, to);
            assertThat(shown("range")).isEqualTo(range);
            assertThat(browser.findElement(By.cssSelector("[data-range='" + range + "']")).getAttribute("aria-pressed"))
                    .isEqualTo("true");
            assertThat(to).as(range).isAfter(Instant.now().minus(Duration.ofMinutes(2)));
            if (lengths.get(range).compareTo(Duration.ofDays(1)) <= 0) {
                assertThat(length).as(range).isEqualTo(lengths.get(range));
                assertThat(shown("interval")).as(range).isEqualTo("minute");
            } else {
                // Minutes are kept 48 hours: a longer window starts on an hour, per hour.
                assertThat(length).as(range).isBetween(lengths.get(range), lengths.get(range).plus(Duration.ofMinutes(59)));
                assertThat(from.truncatedTo(ChronoUnit.HOURS)).as(range).isEqualTo(from);
                assertThat(shown("interval")).as(range).isEqualTo("hour");
            }
            assertThat(browser.findElement(By.id("window")).getText()).as(range).contains(local(from), local(to));
            long step = shown("interval").equals("minute") ? 1 : 60;
            assertThat(labels(chartData("requests"))).as("a point per bucket of " + range)
                    .hasSize((int) ((length.toMinutes() + step - 1) / step));
        }
    }

    @Test
    void customRange_typedInTheBrowsersTimeZone_isAskedForInUtc_andShownInThatZone() {
        asAdmin();
        Instant to = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(1));
        Instant from = to.minus(Duration.ofMinutes(150));
        DateTimeFormatter input = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm").withZone(ZONE);
        browser.executeScript("document.getElementById('custom-from').value = arguments[0];"
                + "document.getElementById('custom-to').value = arguments[1];", input.format(from), input.format(to));

        clickAndWait(By.id("custom-apply"));

        assertThat(shown("range")).isEqualTo("custom");
        assertThat(shown("from")).isEqualTo(from.toString());
        assertThat(shown("to")).isEqualTo(to.toString());
        assertThat(shown("interval")).isEqualTo("minute");
        assertThat(browser.findElement(By.id("window")).getText()).contains(local(from), local(to));
        assertThat(browser.findElement(By.id("timezone")).getText()).contains("UTC+05:30");
        List<String> labels = labels(chartData("requests"));
        assertThat(labels).hasSize(150);
        assertThat(labels.get(0)).endsWith(local(from));
        assertThat(labels.get(149)).endsWith(local(to.minus(Duration.ofMinutes(1))));
    }

    @Test
    void routeTable_forTheWindowShown_equalsReportForThatWindow() throws Exception {
        asAdmin();
        clickAndWait(By.cssSelector("[data-range='1h']"));

        JsonNode report = json(send("GET", "/report?group_by=route&limit=100&from=" + shown("from") + "&to=" + shown("to"),
                admin, null, null));
        Map<String, JsonNode> byRoute = new java.util.HashMap<>();
        report.forEach(row -> byRoute.put(row.get("route").asText(), row));
        List<String> shownRoutes = browser.findElements(By.cssSelector("#routes tbody tr")).stream()
                .map(row -> row.getAttribute("data-route")).toList();
        assertThat(byRoute.keySet()).containsAll(shownRoutes);
        // The page's own calls keep arriving; the routes only this test's setup called are settled.
        for (String route : List.of("POST /classify", "POST /models/{name}/versions", "PUT /models/{name}/aliases/{alias}")) {
            JsonNode expected = byRoute.get(route);
            assertThat(expected).as(route).isNotNull();
            List<Double> cells = browser.findElements(By.cssSelector("#routes tr[data-route='" + route + "'] td.num"))
                    .stream().map(cell -> Double.parseDouble(cell.getAttribute("data-value"))).toList();
            assertThat(cells).as(route).containsExactly(expected.get("request_count").asDouble(),
                    expected.get("error_count").asDouble() / expected.get("request_count").asDouble(),
                    expected.get("processing_time_p50").asDouble(), expected.get("processing_time_p95").asDouble(),
                    expected.get("processing_time_p99").asDouble());
        }
        String classify = browser.findElement(By.cssSelector("#routes tr[data-route='POST /classify']")).getText();
        assertThat(classify).contains("POST /classify", " ms", " %");
    }

    @Test
    void modelPage_showsVersionsSideBySide_theAliasState_andWhatIsNotAvailable() throws Exception {
        asAdmin();
        clickAndWait(By.cssSelector("#models a[href='#model=" + MODEL + "']"));

        assertThat(browser.findElement(By.id("model")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("charts")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("model-name")).getText()).isEqualTo("Model " + MODEL);
        assertThat(browser.findElements(By.cssSelector("#versions thead th[data-version]"))).extracting(e -> e.getText())
                .containsExactly("v1", "v2");
        JsonNode stats = json(send("GET", "/stats?model=" + MODEL + "&from=" + shown("from") + "&to=" + shown("to"),
                admin, null, null));
        for (String version : List.of("1", "2")) {
            JsonNode figures = stats.get("by_version").get(version);
            assertThat(cellOf("Requests", version)).isEqualTo(figures.get("total_requests").asText());
            assertThat(Double.parseDouble(cellOf("Error rate", version))).isEqualTo(figures.get("error_rate").asDouble());
            assertThat(Double.parseDouble(cellOf("p95", version)))
                    .isEqualTo(figures.get("percentile_95_processing_time").asDouble());
        }
        assertThat(browser.findElements(By.cssSelector("#versions tr[data-row='Aliases'] td"))).extracting(e -> e.getText())
                .containsExactly("production", "production canary");
        assertThat(cellOf("Requests", "1")).isEqualTo("3");
        assertThat(cellOf("Requests", "2")).isEqualTo("2");

        JsonNode alias = json(send("GET", "/models/" + MODEL + "/aliases/production", admin, null, null));
        String state = browser.findElement(By.cssSelector("article[data-alias='production'] .state")).getText();
        assertThat(state).isEqualTo("v1 serves 50 %; canary v2 serves 50 % since "
                + browser.executeScript("return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: 'short',"
                        + " day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(new Date(arguments[0]))",
                        alias.get("canary").get("since").asText()));
        assertThat(state).contains(local(Instant.parse(alias.get("canary").get("since").asText())));
        assertThat(browser.findElements(By.cssSelector("article[data-alias='production'] .sides tr[data-side]")))
                .extracting(e -> e.getAttribute("data-side")).containsExactly("stable", "canary");
        // Events and drift come from routes other functions answer: a list, or a line saying they are not available.
        assertThat(browser.findElements(By.cssSelector("article[data-alias='production'] ol.events li")).size()
                + browser.findElements(By.xpath("//article[@data-alias='production']//p[starts-with(., 'Events not available')]")).size())
                .isPositive();
        for (String version : List.of("1", "2")) {
            assertThat(browser.findElements(By.cssSelector("#drift div.drift[data-version='" + version + "'] table")).size()
                    + browser.findElements(By.xpath("//div[@data-version='" + version + "']/p[starts-with(., 'Drift not available')]")).size())
                    .as("drift of v" + version).isPositive();
        }
        assertThat(browser.findElement(By.id("message")).isDisplayed()).isFalse();

        clickAndWait(By.cssSelector("#model a[href='#']"));
        assertThat(browser.findElement(By.id("charts")).isDisplayed()).isTrue();
    }

    static String cellOf(String row, String version) {
        return browser.findElement(By.cssSelector("#versions tr[data-row='" + row + "'] td[data-version='" + version + "']"))
                .getAttribute("data-value");
    }

    @Test
    @Order(Integer.MAX_VALUE) // last: the admin's tests share one sign-in, which this one would end
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
