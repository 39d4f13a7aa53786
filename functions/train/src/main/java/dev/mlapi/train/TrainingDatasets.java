package dev.mlapi.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.TooManyRequests;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.storage.PresignedUploads;
import dev.mlapi.registry.storage.PresignedUploads.Differs;
import dev.mlapi.registry.storage.PresignedUploads.Matches;
import dev.mlapi.registry.storage.PresignedUploads.Readback;
import dev.mlapi.train.TrainViews.DatasetPage;
import dev.mlapi.train.TrainViews.DatasetUpload;
import dev.mlapi.train.TrainViews.DatasetView;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * Datasets for training ({@code /datasets}), uploaded as model files are: {@code POST /datasets}
 * with the CSV's size and sha256 reserves an id and answers a presigned PUT (storage refuses other
 * bytes); {@code POST /datasets/{id}/commit} re-reads the upload and checks both before the
 * dataset can be trained on. Owners and admins read and delete a dataset; others get a 404.
 *
 * <p>Per user (admins exempt, see {@link TrainingQuotas}): at most so many reservations waiting
 * for their upload (a 429) and so many declared bytes of datasets in all (a 413), counted in the
 * same transaction as the dataset itself. An expired reservation stops counting: the next
 * reservation of its owner releases it (and its upload, if any).
 */
final class TrainingDatasets {

    /**
     * 1 GiB: the API reads only a dataset's header (a ranged GET of its first 64 KB), the worker
     * streams its rows, within {@code TRAINING_MAX_ROWS} and {@code TRAINING_MAX_COLUMNS}.
     */
    static final long MAX_BYTES = 1024L * 1024 * 1024;
    static final Duration UPLOAD_VALIDITY = Duration.ofHours(1);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._ -]{0,99}");

    private final TrainingTable table;
    private final TrainingFiles files;
    private final ListCursor cursors;
    private final Clock clock;
    private final TrainingQuotas quotas;

    TrainingDatasets(TrainingTable table, TrainingFiles files, ListCursor cursors, Clock clock, TrainingQuotas quotas) {
        this.table = table;
        this.files = files;
        this.cursors = cursors;
        this.clock = clock;
        this.quotas = quotas;
    }

    /** {@code {"size": 4551, "sha256": "…", "name": "iris.csv"}} → an id and the upload URL. */
    DatasetUpload reserve(Principal caller, byte[] body) {
        JsonNode json = Json.readTree(body);
        if (json == null || !json.isObject()) {
            throw new InvalidInput("the body must be a JSON object: {\"size\", \"sha256\", \"name\"}");
        }
        json.fieldNames().forEachRemaining(field -> {
            if (!field.equals("size") && !field.equals("sha256") && !field.equals("name")) {
                throw InvalidInput.field(field, "is not a field of a dataset upload; fields: [name, sha256, size]");
            }
        });
        JsonNode size = json.get("size");
        if (size == null || !size.isIntegralNumber() || size.asLong() < 1 || size.asLong() > MAX_BYTES) {
            throw InvalidInput.field("size", "is required: the CSV's size in bytes, 1.." + MAX_BYTES);
        }
        String sha256 = json.path("sha256").asText("");
        if (!json.path("sha256").isTextual() || !SHA256.matcher(sha256).matches()) {
            throw InvalidInput.field("sha256", "is required: the CSV's SHA-256 as 64 lower-case hex digits");
        }
        String name = json.path("name").asText("data.csv");
        if (json.has("name") && (!json.get("name").isTextual() || !NAME.matcher(name).matches())) {
            throw InvalidInput.field("name", "must be 1-100 letters, digits, spaces, '.', '_' or '-'");
        }
        long declared = size.asLong();
        if (!caller.isAdmin() && declared > quotas.maxDatasetBytes()) {
            throw new PayloadTooLarge("a dataset of " + declared + " bytes exceeds your " + quotas.maxDatasetBytes()
                    + " bytes of datasets in all");
        }
        String id = TrainIds.newDatasetId();
        String key = TrainingFiles.datasetKey(id);
        Instant now = clock.instant();
        Instant expiresAt = now.plus(UPLOAD_VALIDITY);
        releaseExpiredReservations(caller.username(), now);
        TrainingDataset dataset = new TrainingDataset(id, caller.username(), name, declared, sha256,
                TrainingDataset.PENDING, key, now, Optional.of(expiresAt), true);
        boolean reserved = caller.isAdmin()
                ? table.createCountedDataset(dataset, OptionalInt.empty(), OptionalLong.empty())
                : table.createCountedDataset(dataset, OptionalInt.of(quotas.maxPendingDatasets()),
                        OptionalLong.of(quotas.maxDatasetBytes()));
        if (!reserved) {
            throw overQuota(table.usage(caller.username()), declared);
        }
        return new DatasetUpload(id, TrainingDataset.PENDING, expiresAt,
                files.presignUpload(dataset, UPLOAD_VALIDITY), "/datasets/" + id + "/commit");
    }

    /** Checks the upload's size and sha256 against the declared ones; the dataset is then ready. */
    DatasetView commit(Principal caller, String id) {
        TrainingDataset dataset = visible(caller, id);
        if (dataset.isReady()) {
            return DatasetView.of(dataset);
        }
        if (dataset.expiresAt().map(at -> PresignedUploads.isExpired(at, clock.instant())).orElse(false)) {
            throw new Conflict("the upload of dataset '" + id + "' expired at " + dataset.expiresAt().get()
                    + "; reserve a new one");
        }
        Readback readback = files.readBack(dataset);
        if (readback instanceof Differs differs) {
            throw InvalidInput.field("file", "the upload has " + differs.size() + " bytes"
                    + differs.sha256().map(sha256 -> " and sha256 " + sha256).orElse("") + "; " + dataset.size()
                    + " bytes and " + dataset.sha256() + " were declared. Upload it again");
        }
        if (!(readback instanceof Matches)) {
            throw InvalidInput.field("file", "dataset '" + id + "' has not been uploaded; PUT it to its upload URL first");
        }
        if (!table.markReady(dataset)) {
            TrainingDataset now = table.findDataset(id).orElseThrow(() -> notFound(id));
            if (!now.isReady()) {
                throw new Conflict("the upload of dataset '" + id + "' expired; reserve a new one");
            }
        }
        return DatasetView.of(table.findDataset(id).orElseThrow(() -> notFound(id)));
    }

    DatasetView get(Principal caller, String id) {
        return DatasetView.of(visible(caller, id));
    }

    DatasetPage list(Principal caller, Optional<String> user, Optional<String> cursor, int limit) {
        if (!caller.isAdmin() && user.isPresent() && !user.get().equals(caller.username())) {
            throw new Forbidden("only an admin may list another user's datasets");
        }
        Optional<String> owner = caller.isAdmin() ? user : Optional.of(caller.username());
        String listing = "datasets\n" + caller.username() + "\n" + owner.orElse("*");
        var slice = table.listDatasets(owner, cursors.decode(cursor, listing), limit);
        return new DatasetPage(slice.items().stream().map(DatasetView::of).toList(),
                slice.next().map(position -> cursors.encode(position, listing)));
    }

    /** Removes the file and the record (owner or admin). Jobs already queued on it fail with the reason. */
    void delete(Principal caller, String id) {
        TrainingDataset dataset = visible(caller, id);
        files.delete(dataset.objectKey());
        table.deleteDataset(dataset);
    }

    /** Reservations of {@code owner} whose upload URL has expired stop counting; their uploads go too. */
    private void releaseExpiredReservations(String owner, Instant now) {
        for (TrainingTable.Reservation reservation : table.usage(owner).pending()) {
            if (reservation.expiresAt().isBefore(now) && table.releaseExpired(owner, reservation)) {
                files.delete(TrainingFiles.datasetKey(reservation.datasetId()));
            }
        }
    }

    /** Which limit a refused reservation met, with the caller's usage. */
    private RuntimeException overQuota(TrainingTable.Usage usage, long declared) {
        if (usage.pending().size() >= quotas.maxPendingDatasets()) {
            return new TooManyRequests("you have " + usage.pending().size() + " of " + quotas.maxPendingDatasets()
                    + " dataset uploads pending (reserved, not yet committed); commit or delete one, or wait until"
                    + " a reservation expires (" + UPLOAD_VALIDITY.toMinutes() + " minutes after it was made)",
                    Duration.ofSeconds(60));
        }
        return new PayloadTooLarge("your datasets take " + usage.datasetBytes() + " of your " + quotas.maxDatasetBytes()
                + " bytes; this one (" + declared + " bytes) does not fit; delete a dataset first");
    }

    /** A committed dataset the caller may train on. */
    TrainingDataset requireUsable(Principal caller, String id) {
        TrainingDataset dataset;
        try {
            dataset = visible(caller, id);
        } catch (NotFound e) {
            throw InvalidInput.field("dataset_id", "no dataset '" + id + "' of yours");
        }
        if (!dataset.isReady()) {
            throw InvalidInput.field("dataset_id", "dataset '" + id + "' has not been committed; POST "
                    + "/datasets/" + id + "/commit after its upload");
        }
        return dataset;
    }

    private TrainingDataset visible(Principal caller, String id) {
        TrainIds.require(id);
        return table.findDataset(id).filter(d -> caller.isAdmin() || d.owner().equals(caller.username()))
                .orElseThrow(() -> notFound(id));
    }

    private static NotFound notFound(String id) {
        return new NotFound("no dataset '" + id + "'");
    }
}
