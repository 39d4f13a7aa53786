package dev.mlapi.imagestore.tagging;

import dev.mlapi.core.jobs.JobsTable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The images of a batch tagging job, fixed when it is submitted: cut into batches of
 * {@link #BATCH_SIZE} (one {@code tag} task each) and kept in the jobs table as pages of
 * {@link #PAGE_BATCHES} batches ({@code <jobId>#plan#<p>}), so a lost task can be sent again with
 * the very images it had ({@code images#<k>} is batch k's unit record).
 */
public final class TaggingPlan {

    /** Images per task: a few seconds of classification, well inside one receive. */
    public static final int BATCH_SIZE = 25;
    /** Batches per plan page: 1,000 ids, about 37 KB of a 400 KB item. */
    public static final int PAGE_BATCHES = 40;

    private final JobsTable table;

    public TaggingPlan(JobsTable table) {
        this.table = table;
    }

    /** Batch {@code k}'s unit name: {@code images#k}. */
    public static String unit(int batch) {
        return "images#" + batch;
    }

    /** The batches of {@code imageIds}, in order. */
    public static List<List<String>> batches(List<String> imageIds) {
        List<List<String>> batches = new ArrayList<>();
        for (int start = 0; start < imageIds.size(); start += BATCH_SIZE) {
            batches.add(List.copyOf(imageIds.subList(start, Math.min(imageIds.size(), start + BATCH_SIZE))));
        }
        return batches;
    }

    /** Stores the job's images as plan pages (a page written before is kept: it holds the same ids). */
    public void store(String jobId, List<String> imageIds, Instant now) {
        int perPage = BATCH_SIZE * PAGE_BATCHES;
        for (int page = 0, start = 0; start < imageIds.size(); page++, start += perPage) {
            List<AttributeValue> ids = imageIds.subList(start, Math.min(imageIds.size(), start + perPage)).stream()
                    .map(AttributeValue::fromS).toList();
            table.putRecord(jobId, "plan#" + page, Map.of("images", AttributeValue.fromL(ids)), now);
        }
    }

    /** The images of batch {@code k}, read from its plan page. */
    public List<String> batch(String jobId, int k) {
        int page = k / PAGE_BATCHES;
        Map<String, AttributeValue> record = table.unit(jobId, "plan#" + page)
                .orElseThrow(() -> new IllegalStateException("job " + jobId + " has no plan page " + page));
        List<String> ids = record.get("images").l().stream().map(AttributeValue::s).toList();
        int from = (k % PAGE_BATCHES) * BATCH_SIZE;
        return ids.subList(Math.min(from, ids.size()), Math.min(ids.size(), from + BATCH_SIZE));
    }

    /** Batches of a job of {@code images} images. */
    public static int batchCount(int images) {
        return (images + BATCH_SIZE - 1) / BATCH_SIZE;
    }
}
