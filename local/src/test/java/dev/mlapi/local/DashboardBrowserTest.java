package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * The report function's dashboard in a real headless browser (in the Asia/Kolkata time zone)
 * against the local server: after a few requests (classify by URL with two versions of a tiny
 * model behind a canary, a failure), an admin who signs in on the page sees every chart drawn from
 * {@code /stats} and {@code /report} for the range chosen, a per-route table equal to
 * {@code /report}'s, and a model's page: for a table model trained three times through
 * {@code POST /train} (so each version has a drift baseline) behind an alias with a canary and a
 * shadow, after predictions by the alias, its versions side by side as {@code /stats?model=} has
 * them, the alias's canary, shadow agreement and events as the API answers them, and each version's
 * drift as {@code /drift} answers it; a user is told it is for admins.
 */
@ExtendWith(HeadlessBrowser.Required.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    static final String ADMIN_PASSWORD = "dashboard-admin-password";
    static final String MODEL = "dash-tiny";
    static final ZoneId ZONE = ZoneId.of("Asia/Kolkata");
    /** The table model of the model page: trained by the API, v1 stable, v2 its canary, v3 its shadow. */
    static final String TABLE = "dash-table";
    static final int STABLE = 1;
    static final int CANARY = 2;
    static final int SHADOW = 3;
    /** Rows per predict request to {@link #TABLE}. */
    static final int ROWS = 4;

    @TempDir
    static Path data;
    static LocalServer server;
    static HttpServer images;
    static ChromeDriver browser;
    static String admin;
    static String imageUrl;
    /** The predict requests {@link #TABLE}'s stable version and its canary served. */
    static int stableServed;
    static int canaryServed;
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
        admin = login("admin", ADMIN_PASSWORD);
        List<String> jobs = trainTable();
        someRequests();
        predictTable(jobs);
    }

    /**
     * Two versions of a model behind an alias with a canary, five classifications by URL (three
     * by v1, two by v2) and a 404, waited for until /report shows them.
     */
    static void someRequests() throws Exception {
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

    /**
     * Three training jobs of one small table (40 rows, x and y in [0, 1], the label whether x + y &lt; 1;
     * one decision tree each, of depth 1, 2 and 3), submitted at once: they run while the image
     * requests are made.
     */
    static List<String> trainTable() throws Exception {
        Random random = new Random(7);
        StringBuilder csv = new StringBuilder("x,y,band\n");
        for (int i = 0; i < 40; i++) {
            double x = Math.round(random.nextDouble() * 1000) / 1000.0;
            double y = Math.round(random.nextDouble() * 1000) / 1000.0;
            csv.append(x).append(',').append(y).append(',').append(x + y < 1 ? "low" : "high").append('\n');
        }
        List<String> jobs = new ArrayList<>();
        for (int depth = 1; depth <= 3; depth++) {
            Map<String, Object> request = Map.of("model_name", TABLE, "algorithm", "decision_tree", "target", "band",
                    "dataset", Map.of("csv", csv.toString()), "params", Map.of("max_depth", List.of(depth)),
                    "cv_folds", 2, "seed", 42);
            HttpResponse<String> accepted = send("POST", "/train", admin, "application/json", Json.write(request));
            assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
            jobs.add(json(accepted).get("job_id").asText());
        }
        return jobs;
    }

    /**
     * Once the jobs registered v1 to v3: production set to v2, then to v1 with v2 as a 50 % canary,
     * v3 as its shadow, a guardrail and promote_after that the requests here never reach (two
     * "change" events); twelve predict requests by the alias of four rows whose x moved up by half
     * of its training range; waited for until the per-version figures, the shadow's agreement, the
     * drift counts and the route rollups show them all.
     */
    static void predictTable(List<String> jobs) throws Exception {
        for (String job : jobs) {
            JsonNode status = awaitJob(job);
            assertThat(status.get("status").asText()).as(status.toString()).isEqualTo("succeeded");
        }
        String alias = "/models/" + TABLE + "/aliases/production";
        HttpResponse<String> first = send("PUT", alias, admin, "application/json",
                Json.write(Map.of("version", CANARY)));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        HttpResponse<String> split = send("PUT", alias, admin, "application/json", Json.write(Map.of(
                "version", STABLE, "canary", Map.of("version", CANARY, "weight", 50), "shadow", Map.of("version", SHADOW),
                "guardrail", Map.of("min_requests", 1000), "promote_after", Map.of("requests", 1000, "minutes", 60))));
        assertThat(split.statusCode()).as(split.body()).isEqualTo(200);
        Random random = new Random(11);
        for (int i = 0; i < 12; i++) {
            List<Map<String, Double>> rows = new ArrayList<>();
            for (int r = 0; r < ROWS; r++) {
                rows.add(Map.of("x", 0.5 + random.nextDouble(), "y", random.nextDouble()));
            }
            HttpRequest request = HttpRequest.newBuilder(URI.create(server.baseUri() + "/predict"))
                    .header("authorization", "Bearer " + admin).header("content-type", "application/json")
                    .header("x-request-id", "dash-table-%02d".formatted(i))
                    .POST(BodyPublishers.ofByteArray(Json.write(Map.of("model", TABLE + "@production", "instances", rows))))
                    .build();
            HttpResponse<String> predicted = HTTP.send(request, BodyHandlers.ofString());
            assertThat(predicted.statusCode()).as(predicted.body()).isEqualTo(200);
            if (json(predicted).at("/model/role").asText().equals("canary")) {
                canaryServed++;
            } else {
                stableServed++;
            }
        }
        assertThat(stableServed).as("requests by the stable version").isPositive();
        assertThat(canaryServed).as("requests by the canary").isPositive();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!tableSettled()) {
            assertThat(System.nanoTime()).as("the predictions reach the rollups, drift and agreement within 60 s")
                    .isLessThan(deadline);
            Thread.sleep(250);
        }
    }

    static JsonNode awaitJob(String job) throws Exception {
        long deadline = System.nanoTime() + 120_000_000_000L;
        JsonNode status;
        do {
            status = json(send("GET", "/train/" + job, admin, null, null));
            if (List.of("succeeded", "failed", "cancelled").contains(status.get("status").asText())) {
                return status;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("job " + job + " did not finish in 120 s: " + status);
    }

    static boolean tableSettled() throws Exception {
        JsonNode stats = json(send("GET", "/stats?model=" + TABLE, admin, null, null));
        JsonNode alias = json(send("GET", "/models/" + TABLE + "/aliases/production", admin, null, null));
        JsonNode stable = json(send("GET", "/models/" + TABLE + "/versions/" + STABLE + "/drift", admin, null, null));
        JsonNode canary = json(send("GET", "/models/" + TABLE + "/versions/" + CANARY + "/drift", admin, null, null));
        Map<String, Long> routes = new HashMap<>();
        json(send("GET", "/report?group_by=route&limit=100", admin, null, null))
                .forEach(row -> routes.put(row.get("route").asText(), row.get("request_count").asLong()));
        return stats.at("/by_version/" + STABLE + "/total_requests").asInt() == stableServed
                && stats.at("/by_version/" + CANARY + "/total_requests").asInt() == canaryServed
                && alias.at("/shadow/agreement/requests").asInt() == stableServed
                && stable.get("served_count").asLong() == (long) ROWS * stableServed
                && canary.get("served_count").asLong() == (long) ROWS * canaryServed
                && routes.getOrDefault("POST /predict", 0L) == 12
                && routes.getOrDefault("PUT /models/{name}/aliases/{alias}", 0L) == 3;
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
        Map<String, JsonNode> byRoute = new HashMap<>();
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
    void modelPage_ofATrainedTable_showsVersions_canaryAndShadow_events_andDrift_asTheApiAnswers() throws Exception {
        asAdmin();
        clickAndWait(By.cssSelector("[data-range='24h']")); // a range up to now: every prediction of the set-up in it
        clickAndWait(By.cssSelector("#models a[href='#model=" + TABLE + "']"));

        assertThat(browser.findElement(By.id("model")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("charts")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("model-name")).getText()).isEqualTo("Model " + TABLE);
        screenshot("dashboard-model-page.png");

        // Versions side by side: the figures of /stats?model= for the window shown.
        assertThat(browser.findElements(By.cssSelector("#versions thead th[data-version]"))).extracting(e -> e.getText())
                .containsExactly("v1", "v2", "v3");
        JsonNode stats = json(send("GET", "/stats?model=" + TABLE + "&from=" + shown("from") + "&to=" + shown("to"),
                admin, null, null));
        for (String version : List.of("1", "2", "3")) {
            JsonNode figures = stats.get("by_version").get(version);
            if (figures == null) { // a version that served nothing in the window (the shadow answers nobody)
                assertThat(cellOf("Requests", version)).as("v" + version).isEqualTo("0");
                assertThat(cellOf("Error rate", version)).as("v" + version).isNull();
                continue;
            }
            assertThat(cellOf("Requests", version)).isEqualTo(figures.get("total_requests").asText());
            assertThat(Double.parseDouble(cellOf("Error rate", version))).isEqualTo(figures.get("error_rate").asDouble());
            assertThat(Double.parseDouble(cellOf("p95", version)))
                    .isEqualTo(figures.get("percentile_95_processing_time").asDouble());
        }
        assertThat(cellOf("Requests", "1")).isEqualTo(String.valueOf(stableServed));
        assertThat(cellOf("Requests", "2")).isEqualTo(String.valueOf(canaryServed));
        assertThat(browser.findElements(By.cssSelector("#versions tr[data-row='Aliases'] td"))).extracting(e -> e.getText())
                .containsExactly("production", "production canary", "production shadow");

        // The alias card: the canary's weight, the shadow's agreement, guardrail and promote_after, as GET answers.
        JsonNode alias = json(send("GET", "/models/" + TABLE + "/aliases/production", admin, null, null));
        var card = browser.findElement(By.cssSelector("article[data-alias='production']"));
        var state = card.findElement(By.cssSelector(".state"));
        assertThat(state.getAttribute("data-weight")).isEqualTo("50").isEqualTo(alias.at("/canary/weight").asText());
        assertThat(state.getText()).isEqualTo("v1 serves 50 %; canary v2 serves 50 % since "
                + formatted(alias.get("canary").get("since").asText()));
        assertThat(state.getText()).contains(local(Instant.parse(alias.get("canary").get("since").asText())));
        assertThat(card.findElement(By.cssSelector(".changed")).getText()).isEqualTo("Set "
                + formatted(alias.get("updated_at").asText()) + " by admin, was v2");
        JsonNode agreement = alias.at("/shadow/agreement");
        var shadow = card.findElement(By.cssSelector(".shadow"));
        assertThat(agreement.get("requests").asInt()).isEqualTo(stableServed);
        assertThat(shadow.getAttribute("data-version")).isEqualTo(String.valueOf(SHADOW));
        assertThat(shadow.getAttribute("data-requests")).isEqualTo(agreement.get("requests").asText());
        assertThat(shadow.getAttribute("data-agreed")).isEqualTo(agreement.get("agreed").asText());
        assertThat(Double.parseDouble(shadow.getAttribute("data-rate"))).isEqualTo(agreement.get("rate").asDouble());
        assertThat(shadow.getText()).isEqualTo("Shadow v3 since " + formatted(alias.at("/shadow/since").asText())
                + ": agreed with v1 on " + agreement.get("agreed").asText() + " of " + agreement.get("requests").asText()
                + " requests (" + browser.executeScript("return (100 * arguments[0]).toFixed(1)",
                        agreement.get("rate").asDouble()) + " %)");
        assertThat(card.findElement(By.cssSelector(".guardrail")).getText()).startsWith("Guardrail: ")
                .contains("min requests 1000", "window minutes " + alias.at("/guardrail/window_minutes").asText());
        assertThat(card.findElement(By.cssSelector(".promote")).getText())
                .isEqualTo("Promotes after requests 1000, minutes 60");
        assertThat(card.findElements(By.cssSelector(".sides tr[data-side]"))).extracting(e -> e.getAttribute("data-side"))
                .containsExactly("stable", "canary");

        // The events: GET .../events, newest first, times in the browser's zone.
        JsonNode events = json(send("GET", "/models/" + TABLE + "/aliases/production/events", admin, null, null))
                .get("items");
        var rows = card.findElements(By.cssSelector("ol.events li"));
        assertThat(rows).hasSize(events.size());
        assertThat(rows).extracting(e -> e.getAttribute("data-kind")).containsExactly("change", "change");
        for (int i = 0; i < events.size(); i++) {
            JsonNode event = events.get(i);
            var row = rows.get(i);
            assertThat(row.getAttribute("data-kind")).isEqualTo(event.get("kind").asText());
            assertThat(row.getAttribute("data-to")).isEqualTo(event.get("to_version").asText());
            assertThat(row.getAttribute("data-from")).isEqualTo(event.has("from_version")
                    ? event.get("from_version").asText() : null);
            var time = row.findElement(By.tagName("time"));
            assertThat(time.getAttribute("datetime")).isEqualTo(event.get("at").asText());
            assertThat(time.getText()).isEqualTo(formatted(event.get("at").asText()))
                    .contains(local(Instant.parse(event.get("at").asText())));
            assertThat(row.getText()).contains(event.get("reason").asText());
        }
        assertThat(rows.get(0).getText()).contains("change v2 → v1: set by admin, canary 2 at 50%");
        assertThat(rows.get(1).getText()).contains("change v2: set by admin");

        // Drift: per version, the features of /drift for the hour-aligned window the page asked for, in its order.
        for (int version = STABLE; version <= SHADOW; version++) {
            var box = browser.findElement(By.cssSelector("#drift div.drift[data-version='" + version + "']"));
            Instant from = Instant.parse(box.getAttribute("data-from"));
            Instant to = Instant.parse(box.getAttribute("data-to"));
            assertThat(from.truncatedTo(ChronoUnit.HOURS)).isEqualTo(from);
            assertThat(to.truncatedTo(ChronoUnit.HOURS)).isEqualTo(to);
            assertThat(from).isBeforeOrEqualTo(Instant.parse(shown("from")));
            JsonNode drift = json(send("GET", "/models/" + TABLE + "/versions/" + version + "/drift?from=" + from
                    + "&to=" + to, admin, null, null));
            assertThat(box.getAttribute("data-served")).as("v" + version).isEqualTo(drift.get("served_count").asText());
            var features = box.findElements(By.cssSelector("tbody tr"));
            assertThat(features).extracting(e -> e.getAttribute("data-feature")).as("v" + version)
                    .containsExactlyElementsOf(drift.get("features").findValuesAsText("name"));
            for (int i = 0; i < features.size(); i++) {
                JsonNode psi = drift.get("features").get(i).get("psi");
                var cell = features.get(i).findElement(By.cssSelector("td.num"));
                if (psi.isNull()) {
                    assertThat(cell.getAttribute("data-value")).isNull();
                    assertThat(cell.getText()).isEqualTo("–");
                } else {
                    assertThat(Double.parseDouble(cell.getAttribute("data-value"))).isEqualTo(psi.asDouble());
                    assertThat(Double.parseDouble(cell.getText())).isCloseTo(psi.asDouble(), within(0.0005));
                }
            }
        }
        assertThat(browser.findElement(By.cssSelector("#drift div.drift[data-version='1']")).getAttribute("data-served"))
                .isEqualTo(String.valueOf(ROWS * stableServed));
        assertThat(browser.findElement(By.cssSelector("#drift div.drift[data-version='1'] tbody tr"))
                .getAttribute("data-feature")).as("x moved, y did not").isEqualTo("x");
        assertThat(browser.findElement(By.id("message")).isDisplayed()).isFalse();

        clickAndWait(By.cssSelector("#model a[href='#']"));
        assertThat(browser.findElement(By.id("charts")).isDisplayed()).isTrue();
    }

    @Test
    void modelPage_ofUploadedVersions_saysTheyHaveNoDriftBaseline() {
        asAdmin();
        clickAndWait(By.cssSelector("#models a[href='#model=" + MODEL + "']"));

        assertThat(browser.findElements(By.cssSelector("article[data-alias='production'] ol.events li")))
                .extracting(e -> e.getAttribute("data-kind")).containsExactly("change");
        for (String version : List.of("1", "2")) {
            assertThat(browser.findElement(By.cssSelector("#drift div.drift[data-version='" + version + "'] p.unavailable"))
                    .getText()).as("v" + version).startsWith("Drift not available: ").contains("has no drift baseline");
        }
        assertThat(browser.findElement(By.id("message")).isDisplayed()).isFalse();
    }

    /** {@code instant} as the page shows a date and time: in the browser's locale and time zone. */
    static String formatted(String instant) {
        return (String) browser.executeScript("return new Intl.DateTimeFormat(undefined, {year: 'numeric', month: 'short',"
                + " day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23'}).format(new Date(arguments[0]))",
                instant);
    }

    /** The page as the browser draws it, into the module's target/ for a person to look at (nothing asserts on it). */
    static void screenshot(String name) throws IOException {
        Path file = Path.of("target", name);
        Files.createDirectories(file.getParent());
        Files.write(file, browser.getScreenshotAs(OutputType.BYTES));
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
