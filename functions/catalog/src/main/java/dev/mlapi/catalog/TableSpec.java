package dev.mlapi.catalog;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One DynamoDB table as the code expects it: keys (all strings), indexes, TTL attribute and
 * stream. The stack, the SAM template, the local server and the tests create it from here.
 *
 * @param logicalId    its CloudFormation logical id in {@code template.yaml} and its CDK construct id
 * @param envVar       the variable that tells a function the table's name
 * @param defaultName  the name used when the variable is not set (local server, tests)
 * @param streamsNewImages whether the table has a stream of new images (for event functions)
 */
public record TableSpec(
        String logicalId,
        String envVar,
        String defaultName,
        String partitionKey,
        Optional<String> sortKey,
        Optional<String> ttlAttribute,
        List<IndexSpec> indexes,
        boolean streamsNewImages) {

    public TableSpec {
        Objects.requireNonNull(logicalId, "logicalId");
        Objects.requireNonNull(envVar, "envVar");
        Objects.requireNonNull(defaultName, "defaultName");
        Objects.requireNonNull(partitionKey, "partitionKey");
        indexes = List.copyOf(indexes);
    }

    /** A global secondary index over string keys, projecting every attribute. */
    public record IndexSpec(String name, String partitionKey, String sortKey) {
    }
}
