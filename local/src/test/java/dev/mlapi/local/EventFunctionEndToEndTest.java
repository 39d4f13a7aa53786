package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
import java.time.Duration;
import java.time.Instant;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event function path end to end: requests over real HTTP are logged by the pipeline, the
 * request log's real stream in DynamoDB Local feeds the aggregator through the local event
 * source, and the per-day counters add up to exactly what was sent.
 */
class EventFunctionEndToEndTest {

    @TempDir
    Path data;

    @Test
    void requestsOverHttp_reachTheAggregator_throughTheRequestLogStream() throws Exception {
        try (LocalServer server = LocalServer.start(new LocalSettings(0, "127.0.0.1", data, 0, 0),
                LocalServer.repositoryRoot(), Map.of("ADMIN_PASSWORD", "local-admin-password"))) {
            HttpClient http = HttpClient.newHttpClient();
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            for (int i = 0; i < 5; i++) {
                http.send(HttpRequest.newBuilder(server.baseUri().resolve("/health")).build(), BodyHandlers.discarding());
            }
            for (int i = 0; i < 2; i++) {
                var response = http.send(HttpRequest.newBuilder(server.baseUri().resolve("/auth/users/me")).build(),
                        BodyHandlers.discarding());
                assertThat(response.statusCode()).isEqualTo(401);
            }

            RequestRollups rollups = server.wiring().requestRollups();
            Rollup totals = null;
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (System.nanoTime() < deadline) {
                totals = total(rollups, today);
                if (totals.requests() >= 7) {
                    break;
                }
                Thread.sleep(100);
            }
            assertThat(totals).isNotNull();
            assertThat(totals.requests()).as("requests rolled up for " + today).isEqualTo(7);
            assertThat(totals.clientErrors()).isEqualTo(2);
            assertThat(totals.serverErrors()).isZero();
            // Nothing more arrives later: each request is counted once.
            Thread.sleep(1_000);
            assertThat(total(rollups, today).requests()).isEqualTo(7);
        }
    }

    private static Rollup total(RequestRollups rollups, LocalDate day) {
        Instant start = day.atStartOfDay(ZoneOffset.UTC).toInstant();
        Rollup total = Rollup.of(0, 0, 0, 0, 0, 0, 0, 0);
        rollups.read(Dimension.ALL, start, start.plus(Duration.ofDays(1))).values()
                .forEach(groups -> groups.values().forEach(total::merge));
        return total;
    }
}
