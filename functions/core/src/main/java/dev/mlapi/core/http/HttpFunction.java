package dev.mlapi.core.http;

import com.amazonaws.services.lambda.runtime.Context;
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
 * <li>{@link #pipeline()} returns that route table: the local server's consistency tests read the
 * routes and their access rules from it (and hold them to {@code openapi.yaml}'s operations and
 * {@code security}), so no test reaches into a handler's fields;</li>
 * <li>{@link #handleRequest} is this interface's: it hands the event to {@link #pipeline()}.</li>
 * </ul>
 * {@code ProjectConsistencyTest} (in {@code local/}) fails, naming the missing part, for a catalog
 * HTTP function whose handler does not have this shape.
 *
 * <p>Lambda's Java runtime finds the default {@code handleRequest} as it finds a handler's own (as
 * aws-lambda-java-runtime-interface-client's {@code EventHandlerLoader} does it): a handler named
 * {@code Class::handleRequest} is looked up with {@code Class.getMethods()}, which lists a public
 * default method of a super-interface, the bridge sorted after it, and the event type is that
 * method's parameter type; a handler named by its class alone takes the event type from the first
 * parameterised {@code RequestHandler} among its super-interfaces, this one. Either way the call is
 * a virtual one on the handler's instance.
 */
public interface HttpFunction extends RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> {

    /** The function's route table, as its {@code (Wiring)} constructor declared it. */
    ApiPipeline pipeline();

    /** The event through the function's route table ({@code context} is null outside Lambda). */
    @Override
    default APIGatewayV2HTTPResponse handleRequest(APIGatewayV2HTTPEvent event, Context context) {
        return pipeline().handle(event, context);
    }
}
