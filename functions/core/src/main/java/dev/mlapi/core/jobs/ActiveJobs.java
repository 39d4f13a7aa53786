package dev.mlapi.core.jobs;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The jobs table's items of the jobs still queued or running, everyone's and of every kind, as one
 * read of its {@code by_kind} index found them ({@link JobsTable#activeJobs()}): what the local
 * server's start-up recoveries (batch scoring, training, batch tagging) share instead of each
 * querying the index.
 */
public record ActiveJobs(List<Map<String, AttributeValue>> items) {

    public ActiveJobs {
        items = List.copyOf(items);
    }

    /** The items of the jobs of {@code kind}. */
    public List<Map<String, AttributeValue>> of(JobKind kind) {
        return items.stream().filter(item -> JobKind.stored(Optional.ofNullable(item.get(JobsTable.JOB_KIND))
                .map(AttributeValue::s)) == kind).toList();
    }
}
