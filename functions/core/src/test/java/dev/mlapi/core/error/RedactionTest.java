package dev.mlapi.core.error;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** What {@link Redaction} hides, and the help texts it must leave readable. */
class RedactionTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            // a non-JWT bearer token after the header name: the scheme and the token go together
            "sent Authorization: Bearer abcdefgh12345 twice | sent Authorization: REDACTED twice",
            "authorization=Basic dXNlcjpwYXNz | authorization=REDACTED",
            "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln | Authorization: REDACTED",
            "password=hunter2&user=a | password=REDACTED&user=a",
            "{\"token\": \"abc\"} | {\"token\": REDACTED}",
            "header Bearer abcdefgh12345 | header Bearer REDACTED",
            // a value input quotes after a bare name, and a quoted name with a bare value
            "password: 'hunter2' is not allowed | password: REDACTED is not allowed",
            "{\"password\": hunter2} | {\"password\": REDACTED}",
            "new_password = s3cret! | new_password = REDACTED",
            // problem details name a field before their message: the message is no secret
            "password: is required | password: is required",
            "password: must be 8 to 128 characters long | password: must be 8 to 128 characters long",
            "new_password: must differ from current_password | new_password: must differ from current_password",
            "current_password: does not match | current_password: does not match",
            "token: has expired | token: has expired",
            // help texts name the header with a placeholder: nothing secret, keep them readable
            "this route requires 'Authorization: Bearer <token>' | this route requires 'Authorization: Bearer <token>'",
            "/metrics requires 'Authorization: Bearer <token>' of an admin | /metrics requires 'Authorization: Bearer <token>' of an admin",
    })
    void redact(String text, String expected) {
        assertThat(Redaction.redact(text)).isEqualTo(expected);
    }

    /**
     * Long words cost linear time: each search starts only where a word does. Before, every
     * position of a 100 KB word was a start and a problem detail quoting it held a thread for
     * minutes; the bound is far above linear time and far below that.
     */
    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void redact_whenTextHasHundredKilobyteWords_returnsThemUnchanged() {
        for (String word : new String[] {"a".repeat(100_000), "eyJ".repeat(33_000), "x-".repeat(50_000),
                "passwordx".repeat(11_000)}) {
            String detail = "version: must be a positive integer, got '" + word + "'";
            assertThat(Redaction.redact(detail)).isEqualTo(detail);
        }
        assertThat(Redaction.redact("a".repeat(100_000) + " password=hunter2")).endsWith("password=REDACTED");
    }
}
