package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;

/**
 * The shape of every HTTP function's handler (README, "Adding a function"), in one place:
 * <ul>
 * <li>a public no-argument constructor, Lambda's entry point: {@code this(Wiring.fromEnvironment())}
 * then {@code Priming.atInit(pipeline)}, adding any service with more to warm
 * ({@code Priming.atInit(pipeline, service)}); it primes only for a snapshot or provisioned init;</li>
 * <li>a public {@code (Wiring)} constructor, which the local server and tests call: it declares the
 * routes on {@code wiring.pipeline()}, each with its {@link Access}, and primes nothing;</li>
 * <li>{@code handleRequest} returns {@code pipeline().handle(event, context)};</li>
 * <li>{@link #pipeline()} returns that route table: the local server's consistency tests read the
 * routes and their access rules from it (and hold them to {@code openapi.yaml}'s operations and
 * {@code security}), so no test reaches into a handler's fields.</li>
 * </ul>
 * {@code ProjectConsistencyTest} (in {@code local/}) fails, naming the missing part, for a catalog
 * HTTP function whose handler does not have this shape.
 */
public interface HttpFunction extends RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** The function's route table, as its {@code (Wiring)} constructor declared it. */
    ApiPipeline pipeline();
}
