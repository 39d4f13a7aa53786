package dev.mlapi.core.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The per-request bucket counts predict logs: a compact text that reads back as written, bounded in size. */
class InputCountsTest {

    @Test
    void encode_writesNonEmptyBucketsOnly_andParseReadsItBack() {
        InputCounts counts = InputCounts.of("3fa2c1d09b7e", new long[][] {{0, 0, 0, 0, 1}, {2, 0, 0, 1}, {0, 0, 0}});

        assertThat(counts.encode()).isEqualTo("3fa2c1d09b7e|4;0:2,3;");
        InputCounts read = InputCounts.parse(counts.encode());
        assertThat(read).isEqualTo(counts);
        assertThat(read.rows()).isEqualTo(1);
        assertThat(read.dense(1, 5)).containsExactly(2, 0, 0, 1, 0);
    }

    @Test
    void encode_atTheLimits_staysUnderItsBound() {
        long[][] full = new long[InputCounts.MAX_FEATURES][InputCounts.MAX_BUCKETS];
        for (long[] feature : full) {
            Arrays.fill(feature, 10_000); // more rows than a request may have, in every bucket
        }

        String text = InputCounts.of("3fa2c1d09b7e", full).encode();

        assertThat(text.length()).isLessThanOrEqualTo(InputCounts.MAX_ENCODED_CHARS);
        assertThat(InputCounts.parse(text).withinLimits()).isTrue();
    }

    @Test
    void parse_whenNotInputCounts_refusesIt() {
        assertThatThrownBy(() -> InputCounts.parse("no-bar")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> InputCounts.parse("id|1:x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(InputCounts.parse("id|" + InputCounts.MAX_BUCKETS).withinLimits()).isFalse();
    }
}
