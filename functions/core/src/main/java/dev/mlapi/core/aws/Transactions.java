package dev.mlapi.core.aws;

import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * TransactWriteItems, sent again while DynamoDB cancels it only because another transaction held
 * one of its items ({@code TransactionConflict}): a cancelled transaction wrote nothing, so it is
 * safe to run again. Other SDK failures reach the caller unchanged.
 */
public final class Transactions {

    private Transactions() {
    }

    /**
     * Writes {@code items} in one transaction, up to {@code attempts} times with a jittered,
     * growing pause between conflicts.
     *
     * @return empty when written; else the cancellation reason of each item, in item order
     *         ({@code ConditionalCheckFailed}, {@code None}…), for a cancellation that was not only
     *         a conflict or whose conflicts outlasted the attempts
     */
    public static List<String> write(DynamoDbClient dynamoDb, List<TransactWriteItem> items, int attempts) {
        for (int attempt = 1; ; attempt++) {
            try {
                dynamoDb.transactWriteItems(r -> r.transactItems(items));
                return List.of();
            } catch (TransactionCanceledException e) {
                List<String> codes = e.hasCancellationReasons()
                        ? e.cancellationReasons().stream().map(CancellationReason::code).toList() : List.of("Unknown");
                if (codes.contains("ConditionalCheckFailed") || !codes.contains("TransactionConflict")
                        || attempt >= attempts) {
                    return codes;
                }
                pause(attempt);
            }
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(5, Math.min(1000, 20L << Math.min(attempt, 6))));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServiceUnavailable("interrupted while retrying a transaction");
        }
    }
}
