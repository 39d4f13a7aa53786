package dev.mlapi.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which id a request gets: the caller's own of a safe shape, else API Gateway's, else a new one in the one format. */
class EventCodecRequestIdTest {

    static APIGatewayV2HTTPEvent event(Map<String, String> headers, String gatewayId) {
        return APIGatewayV2HTTPEvent.builder().withRawPath("/health").withRouteKey("GET /health").withHeaders(headers)
                .withRequestContext(gatewayId == null ? null : APIGatewayV2HTTPEvent.RequestContext.builder()
                        .withRequestId(gatewayId).build())
                .build();
    }

    @Test
    void decode_whenTheCallerSendsASafeId_keepsIt_whateverTheHeadersCase() {
        assertThat(EventCodec.decode(event(Map.of("x-request-id", "trace-0123456789"), "JKJaXmPLvHcESHA="),
                Instant.EPOCH).requestId()).isEqualTo("trace-0123456789");
        assertThat(EventCodec.decode(event(Map.of("X-Request-Id", "Trace_abcdefgh"), "JKJaXmPLvHcESHA="),
                Instant.EPOCH).requestId()).isEqualTo("Trace_abcdefgh");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "short", "has space 123", "semi;colon123", "slash/12345678", "JKJaXmPLvHcESHA=",
            "0123456789012345678901234567890123456789012345678901234567890123456789"})
    void decode_whenTheCallersIdIsNotSafe_takesApiGatewaysId(String incoming) {
        assertThat(EventCodec.decode(event(Map.of("x-request-id", incoming), "gateway-id"), Instant.EPOCH).requestId())
                .isEqualTo("gateway-id");
    }

    @Test
    void decode_withoutEitherId_makesOneInTheOneFormat() {
        assertThat(EventCodec.decode(event(null, null), Instant.EPOCH).requestId()).matches(RequestIds.SAFE_SHAPE)
                .hasSize(16);
        assertThat(RequestIds.newId()).matches(RequestIds.SAFE_SHAPE).hasSize(16);
    }
}
