package dev.mlapi.core.bench;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures one cold start inside a fresh JVM, as Lambda would see it without SnapStart: JVM
 * start → handler constructed (init) → first response. Run with a function jar as the only
 * classpath entry: {@code java -cp login.jar dev.mlapi.core.bench.ColdStartProbe <handler class> <event.json>}.
 * Prints one JSON line; the benchmark harness in {@code local/} collects them into a table.
 */
public final class ColdStartProbe {

    private ColdStartProbe() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainStart = System.currentTimeMillis();
        APIGatewayV2HTTPEvent event = new ObjectMapper()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .readValue(Files.readAllBytes(Path.of(args[1])), APIGatewayV2HTTPEvent.class);
        long initStart = System.currentTimeMillis();
        var handler = (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>)
                Class.forName(args[0]).getConstructor().newInstance();
        long initEnd = System.currentTimeMillis();
        APIGatewayV2HTTPResponse response = handler.handleRequest(event, null);
        long firstResponse = System.currentTimeMillis();
        APIGatewayV2HTTPResponse second = handler.handleRequest(event, null);
        long secondResponse = System.currentTimeMillis();
        System.out.printf("{\"status\":%d,\"jvm_to_main_ms\":%d,\"init_ms\":%d,\"first_invoke_ms\":%d,"
                        + "\"jvm_to_first_response_ms\":%d,\"second_invoke_ms\":%d,\"second_status\":%d}%n",
                response.getStatusCode(), mainStart - jvmStart, initEnd - initStart, firstResponse - initEnd,
                firstResponse - jvmStart, secondResponse - firstResponse, second.getStatusCode());
    }
}
