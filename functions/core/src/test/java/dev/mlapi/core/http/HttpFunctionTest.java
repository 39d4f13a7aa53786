package dev.mlapi.core.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import dev.mlapi.core.bench.ColdStartProbe;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Comparator;
import org.junit.jupiter.api.Test;

/**
 * A handler that writes no {@code handleRequest} of its own is found by reflection as Lambda's Java
 * runtime finds {@code Class::handleRequest}, with the event type it deserialises into.
 */
class HttpFunctionTest {

    /** A handler as README's steps shape it: its route table, no {@code handleRequest}. */
    public static final class Shaped implements HttpFunction {
        @Override
        public ApiPipeline pipeline() {
            throw new UnsupportedOperationException("not called: only looked up");
        }
    }

    @Test
    void handleRequest_lookedUpAsLambdasRuntimeDoes_isTheDefault_takingTheHttpEvent() {
        // aws-lambda-java-runtime-interface-client's EventHandlerLoader: the public methods of that
        // name, non-bridge first, then the longer signature (a trailing Context counts one more).
        Method chosen = Arrays.stream(Shaped.class.getMethods())
                .filter(m -> m.getName().equals("handleRequest"))
                .sorted(Comparator.comparing(Method::isBridge)
                        .thenComparing(m -> -(m.getParameterCount() + (endsWithContext(m) ? 1 : 0))))
                .findFirst().orElseThrow();

        assertThat(chosen.getGenericParameterTypes()).containsExactly(APIGatewayV2HTTPEvent.class, Context.class);
        assertThat(chosen.getGenericReturnType()).isEqualTo(APIGatewayV2HTTPResponse.class);
        assertThat(Arrays.stream(Shaped.class.getMethods())
                .filter(m -> m.getName().equals("handleRequest") && !m.isBridge()))
                .as("no second candidate the runtime could take first").containsExactly(chosen);
        assertThat(ColdStartProbe.handleRequest(Shaped.class)).isEqualTo(chosen);
    }

    private static boolean endsWithContext(Method m) {
        Class<?>[] types = m.getParameterTypes();
        return types.length > 0 && types[types.length - 1] == Context.class;
    }
}
