package dev.mlapi.aggregator;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbDriftCounts;
import dev.mlapi.core.events.EventInvocations;
import dev.mlapi.core.runtime.Priming;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.util.List;
import java.util.Optional;

/**
 * The request-log aggregator: an event function fed by the request log's DynamoDB stream. It
 * merges them into hourly rollups, adds the served inputs' bucket counts up per model version and
 * hour (drift), carries out the history deletions recorded in the log, and rolls back (or
 * promotes) the canaries of aliases by their guardrails.
 */
public final class AggregateRequestLogHandler implements RequestHandler<DynamodbEvent, StreamsEventResponse> {

    private final RequestLogAggregator aggregator;
    private final EventInvocations invocations = new EventInvocations("aggregator");

    public AggregateRequestLogHandler() {
        this(Wiring.fromEnvironment());
        Priming.atInit(aggregator);
    }

    public AggregateRequestLogHandler(Wiring wiring) {
        this(new RequestLogAggregator(wiring.requestRollups(),
                Optional.of(new HistoryPurges(wiring.requestHistory(), HistoryPurges.PASS_BUDGET)),
                Optional.of(new DynamoDbDriftCounts(wiring.dynamoDb(),
                        wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS),
                        wiring.config().requestLogRetention(), wiring.clock())),
                Optional.of(guardrails(wiring))));
    }

    /** The canaries' judge, on the model registry the functions serve from. */
    static GuardrailEvaluator guardrails(Wiring wiring) {
        S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(wiring.config()), wiring.clock());
        return new GuardrailEvaluator(registry, registry, wiring.requestRollups(), wiring.clock());
    }

    AggregateRequestLogHandler(RequestLogAggregator aggregator) {
        this.aggregator = aggregator;
    }

    @Override
    public StreamsEventResponse handleRequest(DynamodbEvent event, Context context) {
        return invocations.run(context,
                () -> aggregator.aggregate(event.getRecords() == null ? List.of() : event.getRecords()));
    }
}
