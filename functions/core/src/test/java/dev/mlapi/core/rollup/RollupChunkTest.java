package dev.mlapi.core.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.requestlog.RequestLogEntry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Planning the writes of a batch of log entries: pure logic, no storage. */
class RollupChunkTest {

    private static final Instant HOUR = Instant.parse("2026-11-30T10:00:00Z");

    private static RequestLogEntry entry(String id, int minute, String image, int status, double seconds) {
        Instant at = HOUR.plus(Duration.ofMinutes(minute));
        return new RequestLogEntry(id, at, "POST /classify", "POST", "/classify", Optional.of("alice"), status,
                seconds, 100, Optional.of("https://example.com/" + image), Optional.of(640), Optional.of(480), Optional.of("mobilenetv2:1"),
                Optional.empty(), Optional.empty(), Optional.empty(), at.plus(Duration.ofDays(90)));
    }

    @Test
    void of_sumsWhatTheEntriesAddToEachRollupTheyShare() {
        RollupChunk chunk = RollupChunk.of(List.of(entry("a", 1, "x.jpg", 200, 0.010),
                entry("b", 2, "x.jpg", 404, 0.030), entry("c", 3, "y.jpg", 200, 0.020)));

        Rollup all = chunk.deltas().get(new RollupKey(Dimension.ALL, HOUR, "*"));
        assertThat(all.requests()).isEqualTo(3);
        assertThat(all.clientErrors()).isEqualTo(1);
        assertThat(all.processingTimeSum()).isCloseTo(0.060, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(all.processingTimes().count()).isEqualTo(3);
        assertThat(chunk.deltas().get(new RollupKey(Dimension.IMAGE_URL, HOUR, "https://example.com/x.jpg")).requests()).isEqualTo(2);
        // 3 markers + all, route, user, model + 2 statuses + 2 image URLs
        assertThat(chunk.writes()).isEqualTo(3 + 4 + 2 + 2);
    }

    @Test
    void plan_keepsEveryChunkWithinTheLimit_inOrder_andLosesNoEntry() {
        List<RequestLogEntry> entries = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            entries.add(entry("e" + i, i % 60, "img" + (i % 37) + ".jpg", i % 9 == 0 ? 503 : 200, 0.001 * (1 + i % 50)));
        }

        List<RollupChunk> chunks = RollupChunk.plan(entries, 100);

        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.writes()).isLessThanOrEqualTo(100));
        assertThat(chunks.stream().flatMap(chunk -> chunk.entries().stream()).toList()).isEqualTo(entries);
        assertThat(chunks).as("one hour, shared rollups: far fewer writes than one per entry").hasSizeLessThan(15);
        assertThat(chunks.stream().mapToLong(chunk -> chunk.deltas().get(new RollupKey(Dimension.ALL, HOUR, "*"))
                .requests()).sum()).isEqualTo(500);
    }

    @Test
    void plan_whenARequestIdRepeats_startsANewChunk_soNoWriteTouchesAMarkerTwice() {
        List<RollupChunk> chunks = RollupChunk.plan(List.of(entry("a", 1, "x.jpg", 200, 0.01),
                entry("b", 1, "x.jpg", 200, 0.01), entry("a", 1, "x.jpg", 200, 0.01)), 100);

        assertThat(chunks).extracting(chunk -> chunk.entries().size()).containsExactly(2, 1);
    }
}
