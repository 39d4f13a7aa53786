package dev.mlapi.aggregator;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.events.EventInvocations;

/** The request-log aggregator: an event function fed by the request log's DynamoDB stream. */
public final class AggregateRequestLogHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {

    private final RequestLogAggregator aggregator;
    private final EventInvocations invocations = new EventInvocations("aggregator");

    public AggregateRequestLogHandler() {
        this(Wiring.fromEnvironment());
    }

    public AggregateRequestLogHandler(Wiring wiring) {
        this(new RequestLogAggregator(new DynamoDbRequestStats(wiring.dynamoDb(),
                wiring.config().environment().tableName(TableCatalog.REQUEST_STATS), wiring.clock())));
    }

    AggregateRequestLogHandler(RequestLogAggregator aggregator) {
        this.aggregator = aggregator;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return invocations.run(context,
                () -> aggregator.aggregate(event.getRecords() == null ? java.util.List.of() : event.getRecords()));
    }
}
