package dev.mlapi.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What of an image URL reaches the request history. */
class HistoryUrlTest {

    @Test
    void of_whenPlainUrl_keepsItWhole() {
        assertThat(HistoryUrl.of("https://images.example.com/cats/tabby.jpg?size=large&v=2"))
                .isEqualTo("https://images.example.com/cats/tabby.jpg?size=large&v=2");
        assertThat(HistoryUrl.of("http://127.0.0.1:8080/photos/IMG_20260101_123456.jpg?width=300"))
                .isEqualTo("http://127.0.0.1:8080/photos/IMG_20260101_123456.jpg?width=300");
        assertThat(HistoryUrl.of("https://example.com/2026/01/holiday-in-paris-day-2.png"))
                .isEqualTo("https://example.com/2026/01/holiday-in-paris-day-2.png");
    }

    @Test
    void of_whenPresignedOrTokenBearing_keepsOnlyAllowListedValues() {
        String url = "https://bucket.s3.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=abcdef0123&X-Amz-Security-Token=FwoG"
                + "&access_token=t0k3n&width=300";

        assertThat(HistoryUrl.of(url)).isEqualTo("https://bucket.s3.amazonaws.com/cat.jpg?X-Amz-Algorithm=REDACTED"
                + "&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED"
                + "&access_token=REDACTED&width=300");
    }

    @Test
    void of_whenQueryValuesAreNotOnTheAllowList_dropsThem() {
        assertThat(HistoryUrl.of("https://example.com/a.png?code=4/0AbCdEf&pw=hunter2&state=xyz&width=300"))
                .isEqualTo("https://example.com/a.png?code=REDACTED&pw=REDACTED&state=REDACTED&width=300");
        assertThat(HistoryUrl.of("https://example.com/a.png?hunter2secret1234567"))
                .isEqualTo("https://example.com/a.png?REDACTED");
    }

    @Test
    void of_whenUrlCarriesUserInfo_dropsItEntirely() {
        assertThat(HistoryUrl.of("http://alice:hunter2@example.com/a.png")).isEqualTo("http://example.com/a.png");
        assertThat(HistoryUrl.of("http://user:pw1@pw2@example.com:8080/a.png"))
                .isEqualTo("http://example.com:8080/a.png");
        assertThat(HistoryUrl.of("http://user:pw1@pw2@example.com?x=1")).isEqualTo("http://example.com?x=REDACTED");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "https://example.com/files/sk_live_4eC39HqLyjWDarjtT1zdp7dc/cat.jpg",
        "https://example.com/share/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl/cat.jpg",
        "https://example.com/token/hunter2/cat.jpg",
        "https://example.com/api_key=hunter2/cat.jpg",
        "https://example.com/d41d8cd98f00b204e9800998ecf8427e/cat.jpg",
    })
    void of_whenPathSegmentLooksSecret_redactsThatSegment_andKeepsThePathShape(String url) {
        String stored = HistoryUrl.of(url);

        assertThat(stored).startsWith("https://example.com/").endsWith("/cat.jpg").contains("REDACTED")
                .doesNotContain("hunter2").doesNotContain("4eC39Hq").doesNotContain("eyJ").doesNotContain("d41d8");
        assertThat(stored.split("/")).hasSameSizeAs(url.split("/"));
    }

    @Test
    void of_whenFragmentOrNotAUrl_storesNoneOfIt() {
        assertThat(HistoryUrl.of("https://example.com/a.png#access_token=abc")).isEqualTo("https://example.com/a.png");
        assertThat(HistoryUrl.of("hunter2secret")).isEqualTo(HistoryUrl.REDACTED);
    }

    @Test
    void of_whenVeryLong_cutsTo2048Characters() {
        assertThat(HistoryUrl.of("https://example.com/" + "a".repeat(100_000))).hasSize(HistoryUrl.MAX_LENGTH);
    }
}
