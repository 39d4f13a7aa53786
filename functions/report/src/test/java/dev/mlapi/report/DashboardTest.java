package dev.mlapi.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.testkit.Events;
import dev.mlapi.core.testkit.TestStack;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dashboard through the report function's Lambda handler, with the sample events of {@code events/}. */
class DashboardTest {

    static TestStack stack;
    static ReportStatsHandler handler;

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        handler = new ReportStatsHandler(stack.wiring());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static APIGatewayV2HTTPResponse asset(String name) {
        return Events.invoke(handler, Events.withPath(Events.load("report-dashboard-asset.json"),
                "/dashboard/" + name, Map.of("asset", name)));
    }

    @Test
    void page_withoutAToken_isHtmlWithoutData_underAStrictContentSecurityPolicy() {
        APIGatewayV2HTTPResponse page = Events.invoke(handler, Events.load("report-dashboard.json"));

        assertThat(page.getStatusCode()).isEqualTo(200);
        assertThat(Events.header(page, "content-type")).startsWith("text/html");
        assertThat(Events.header(page, "content-security-policy"))
                .contains("default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'")
                .doesNotContain("unsafe-inline", "unsafe-eval", "*");
        assertThat(page.getBody())
                .contains("src=\"dashboard/chart.umd.js\"", "src=\"dashboard/dashboard.js\"", "id=\"login\"")
                .doesNotContain("<script>", "style=", "onclick");
    }

    @Test
    void asset_byName_servesThePinnedChartJsAndThePagesOwnFiles() {
        APIGatewayV2HTTPResponse chart = asset("chart.umd.js");
        assertThat(chart.getStatusCode()).isEqualTo(200);
        assertThat(Events.header(chart, "content-type")).startsWith("text/javascript");
        assertThat(chart.getBody()).contains("Chart.js v4.4.7");
        assertThat(asset("dashboard.js").getBody()).contains("stats?interval=", "report?group_by=");
        assertThat(Events.header(asset("dashboard.css"), "content-type")).startsWith("text/css");
    }

    @Test
    void asset_notOneOfThePagesFiles_is404ProblemJson() {
        for (String name : List.of("chart.js", "../dashboard.html", "..%2Fchart.umd.js", "dashboard.html",
                "META-INF")) {
            APIGatewayV2HTTPResponse response = asset(name);
            assertThat(response.getStatusCode()).as(name).isEqualTo(404);
            assertThat(Events.header(response, "content-type")).as(name).startsWith("application/problem+json");
        }
    }
}
