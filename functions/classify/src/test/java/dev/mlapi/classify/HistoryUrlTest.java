package dev.mlapi.classify;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What of an image URL reaches the request history. */
class HistoryUrlTest {

    @Test
    void of_whenPlainUrl_keepsItWhole() {
        assertThat(HistoryUrl.of("https://images.example.com/cats/tabby.jpg?size=large&v=2"))
                .isEqualTo("https://images.example.com/cats/tabby.jpg?size=large&v=2");
    }

    @Test
    void of_whenPresignedOrTokenBearing_redactsTheSecretsOnly() {
        String url = "https://bucket.s3.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=AKIAEXAMPLE%2F20260101&X-Amz-Signature=abcdef0123&X-Amz-Security-Token=FwoG"
                + "&access_token=t0k3n&width=300";

        assertThat(HistoryUrl.of(url)).isEqualTo("https://bucket.s3.amazonaws.com/cat.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                + "&X-Amz-Credential=REDACTED&X-Amz-Signature=REDACTED&X-Amz-Security-Token=REDACTED"
                + "&access_token=REDACTED&width=300");
    }

    @Test
    void of_whenUrlCarriesUserInfo_redactsIt() {
        assertThat(HistoryUrl.of("http://alice:hunter2@example.com/a.png")).isEqualTo("http://REDACTED@example.com/a.png");
    }

    @Test
    void of_whenVeryLong_cutsTo2048Characters() {
        assertThat(HistoryUrl.of("https://example.com/" + "a".repeat(100_000))).hasSize(HistoryUrl.MAX_LENGTH);
    }
}
