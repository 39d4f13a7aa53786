package dev.mlapi.train;

import dev.mlapi.core.error.ApiException.NotFound;
import java.util.UUID;
import java.util.regex.Pattern;

/** Ids of jobs and datasets: generated here, and checked before they reach a key or a storage call. */
final class TrainIds {

    private static final Pattern ID = Pattern.compile("(job|ds)-[0-9a-f]{32}");

    private TrainIds() {
    }

    static String newJobId() {
        return "job-" + UUID.randomUUID().toString().replace("-", "");
    }

    static String newDatasetId() {
        return "ds-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** {@code id} if it has the shape of an id this API gives out; otherwise a 404 (it cannot exist). */
    static String require(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new NotFound("no job or dataset '" + (id == null ? "" : id.length() > 80 ? id.substring(0, 80) : id) + "'");
        }
        return id;
    }
}
