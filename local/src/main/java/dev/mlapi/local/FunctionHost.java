package dev.mlapi.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.mlapi.catalog.ApiRoute;
import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.http.RouteTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every function of {@link FunctionCatalog} in this JVM: HTTP functions behind the routes
 * {@code openapi.yaml} gives them, event functions behind a poller of their real trigger (a
 * timer for a schedule). Each
 * handler is built once, with the shared wiring, as Lambda builds it once per container.
 */
final class FunctionHost implements AutoCloseable {

    private final Map<String, Object> handlers;
    private final List<ApiGatewayRouter.Target> routes;
    private final List<DynamoDbStreamSource> streamSources;
    private final List<SqsEventSource> sqsSources;
    private final List<ScheduleEventSource> scheduleSources;

    private FunctionHost(Map<String, Object> handlers, List<ApiGatewayRouter.Target> routes,
            List<DynamoDbStreamSource> streamSources, List<SqsEventSource> sqsSources,
            List<ScheduleEventSource> scheduleSources) {
        this.handlers = handlers;
        this.routes = routes;
        this.streamSources = streamSources;
        this.sqsSources = sqsSources;
        this.scheduleSources = scheduleSources;
    }

    /** Builds every function with the default queue concurrency; event sources are created but not started. */
    static FunctionHost create(List<FunctionSpec> catalog, List<ApiRoute> apiRoutes, Wiring wiring, Path stateDir) {
        return create(catalog, apiRoutes, wiring, stateDir, LocalSettings.DEFAULT_SQS_CONCURRENCY, Optional.empty());
    }

    /**
     * Builds every function; event sources are created but not started.
     *
     * @param sqsConcurrency batches in flight at once per queue-triggered function ({@code LOCAL_SQS_CONCURRENCY})
     * @param scheduleInterval every scheduled function this often instead of its schedule
     *                       ({@code LOCAL_SCHEDULE_INTERVAL_SECONDS}); empty for the schedules themselves
     */
    static FunctionHost create(List<FunctionSpec> catalog, List<ApiRoute> apiRoutes, Wiring wiring, Path stateDir,
            int sqsConcurrency, Optional<Duration> scheduleInterval) {
        Map<String, Object> handlers = new LinkedHashMap<>();
        for (FunctionSpec spec : catalog) {
            handlers.put(spec.name(), instantiate(spec, wiring));
        }
        List<ApiGatewayRouter.Target> routes = new ArrayList<>();
        for (ApiRoute route : apiRoutes) {
            FunctionSpec spec = catalog.stream().filter(s -> s.name().equals(route.function())).findFirst()
                    .orElseThrow(() -> new IllegalStateException("openapi.yaml routes " + route.routeKey()
                            + " to '" + route.function() + "', which is not in FunctionCatalog"));
            if (spec.kind() != FunctionSpec.Kind.HTTP) {
                throw new IllegalStateException("openapi.yaml routes " + route.routeKey() + " to the event function '"
                        + spec.name() + "'");
            }
            routes.add(new ApiGatewayRouter.Target(RouteTemplate.parse(route.routeKey()), spec.name(),
                    httpHandler(handlers.get(spec.name()))));
        }
        List<DynamoDbStreamSource> streamSources = new ArrayList<>();
        List<SqsEventSource> sqsSources = new ArrayList<>();
        List<ScheduleEventSource> scheduleSources = new ArrayList<>();
        for (FunctionSpec spec : catalog) {
            spec.trigger().ifPresent(trigger -> trigger.visit(
                    stream -> streamSources.add(new DynamoDbStreamSource(spec, stream,
                            streamHandler(handlers.get(spec.name())), wiring.dynamoDb(), wiring.dynamoDbStreams(),
                            wiring.config().environment().tableName(stream.table()), wiring.config().region(), stateDir)),
                    sqs -> sqsSources.add(new SqsEventSource(spec, sqs, sqsHandler(handlers.get(spec.name())),
                            wiring::sqs, () -> wiring.config().environment().queueUrl(sqs.queue()),
                            wiring.config().region(), sqsConcurrency)),
                    schedule -> scheduleSources.add(new ScheduleEventSource(spec, schedule,
                            scheduledHandler(handlers.get(spec.name())), wiring.config().region(), scheduleInterval,
                            wiring.clock()))));
        }
        return new FunctionHost(handlers, List.copyOf(routes), List.copyOf(streamSources), List.copyOf(sqsSources),
                List.copyOf(scheduleSources));
    }

    void startEventSources() {
        streamSources.forEach(DynamoDbStreamSource::start);
        sqsSources.forEach(SqsEventSource::start);
        scheduleSources.forEach(ScheduleEventSource::start);
    }

    List<ApiGatewayRouter.Target> routes() {
        return routes;
    }

    List<DynamoDbStreamSource> streamSources() {
        return streamSources;
    }

    List<SqsEventSource> sqsSources() {
        return sqsSources;
    }

    List<ScheduleEventSource> scheduleSources() {
        return scheduleSources;
    }

    /** The handler instance of a function, by catalog name. */
    Object handler(String function) {
        return handlers.get(function);
    }

    private static Object instantiate(FunctionSpec spec, Wiring wiring) {
        try {
            return Class.forName(spec.handlerClass()).getConstructor(Wiring.class).newInstance(wiring);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start " + spec.name() + " (" + spec.handlerClass()
                    + "): is its module a dependency of local/pom.xml, and does it have a public (Wiring) constructor?"
                    + " (README, \"Adding a function\", steps 3 and 4)", e);
        }
    }

    @SuppressWarnings("unchecked")
    private static RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse> httpHandler(Object handler) {
        return (RequestHandler<APIGatewayV2HTTPEvent, APIGatewayV2HTTPResponse>) handler;
    }

    @SuppressWarnings("unchecked")
    private static RequestHandler<DynamodbEvent, StreamsEventResponse> streamHandler(Object handler) {
        return (RequestHandler<DynamodbEvent, StreamsEventResponse>) handler;
    }

    @SuppressWarnings("unchecked")
    private static RequestHandler<SQSEvent, SQSBatchResponse> sqsHandler(Object handler) {
        return (RequestHandler<SQSEvent, SQSBatchResponse>) handler;
    }

    @SuppressWarnings("unchecked")
    private static RequestHandler<ScheduledEvent, ?> scheduledHandler(Object handler) {
        return (RequestHandler<ScheduledEvent, ?>) handler;
    }

    @Override
    public void close() {
        scheduleSources.forEach(ScheduleEventSource::close);
        streamSources.forEach(DynamoDbStreamSource::close);
        sqsSources.forEach(SqsEventSource::close);
    }
}
