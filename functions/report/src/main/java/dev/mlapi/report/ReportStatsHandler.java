package dev.mlapi.report;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.Access;
import dev.mlapi.core.http.ApiPipeline;
import dev.mlapi.core.http.HttpFunction;
import dev.mlapi.core.http.ApiRequest;
import dev.mlapi.core.http.ApiResponse;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.core.rollup.Dimension;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report function: {@code GET /report} and {@code GET /stats} (admin, from rollups only), and
 * the public dashboard page that draws them for an admin who signs in on it.
 */
public final class ReportStatsHandler implements HttpFunction {

    static final String CSV = "text/csv; charset=utf-8";
    /** The window a report answers for (exact: from and to as given, or cut to what exists). */
    static final String WINDOW_FROM = "x-window-from";
    static final String WINDOW_TO = "x-window-to";

    private final ReportService reports;
    private final Dashboard dashboard;
    private final ApiPipeline pipeline;

    public ReportStatsHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(pipeline, reports);
    }

    public ReportStatsHandler(Wiring wiring) {
        this(wiring, ReportService.create(wiring));
    }

    ReportStatsHandler(Wiring wiring, ReportService reports) {
        this.reports = reports;
        this.dashboard = Dashboard.fromClasspath();
        this.pipeline = wiring.pipeline()
                .route("GET /report", Access.ADMIN, this::report)
                .route("GET /stats", Access.ADMIN, this::stats)
                .route("GET /dashboard", Access.PUBLIC, request -> dashboard.page())
                .route("GET /dashboard/{asset}", Access.PUBLIC, request -> dashboard.asset(request.pathParameter("asset")))
                .build();
    }

    @Override
    public ApiPipeline pipeline() {
        return pipeline;
    }

    private ApiResponse report(ApiRequest request) {
        Dimension groupBy = ReportQuery.groupBy(request);
        ReportService.Range range = reports.range(ReportQuery.instant(request, "from"), ReportQuery.instant(request, "to"),
                Optional.empty());
        List<Map<String, Object>> rows = reports.report(groupBy, range, ReportQuery.sort(request),
                request.queryInt("limit", 100, 1, 1000));
        // The body is the seed's bare table: the window it answers for is in these headers.
        ApiResponse response = request.header("accept").filter(accept -> accept.contains("text/csv")).isPresent()
                ? ApiResponse.bytes(200, CSV, CsvTable.write(ReportService.columns(groupBy), rows)
                        .getBytes(StandardCharsets.UTF_8))
                : ApiResponse.ok(rows);
        return response.withHeader(WINDOW_FROM, range.from().toString()).withHeader(WINDOW_TO, range.to().toString());
    }

    private ApiResponse stats(ApiRequest request) {
        Optional<String> interval = ReportQuery.interval(request);
        return ApiResponse.ok(reports.stats(
                reports.range(ReportQuery.instant(request, "from"), ReportQuery.instant(request, "to"), interval),
                interval, ReportQuery.model(request)));
    }
}
