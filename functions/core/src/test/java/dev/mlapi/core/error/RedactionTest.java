package dev.mlapi.core.error;

import static org.assertj.core.api.Assertions.assertThat;

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
            // help texts name the header with a placeholder: nothing secret, keep them readable
            "this route requires 'Authorization: Bearer <token>' | this route requires 'Authorization: Bearer <token>'",
            "/metrics requires 'Authorization: Bearer <token>' of an admin | /metrics requires 'Authorization: Bearer <token>' of an admin",
    })
    void redact(String text, String expected) {
        assertThat(Redaction.redact(text)).isEqualTo(expected);
    }
}
