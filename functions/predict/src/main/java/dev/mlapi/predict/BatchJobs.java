package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.FieldError;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.error.ApiException.PayloadTooLarge;
import dev.mlapi.core.error.ApiException.ServiceUnavailable;
import dev.mlapi.core.error.ApiException.TooManyRequests;
import dev.mlapi.core.jobs.JobKind;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import java.io.ByteArrayInputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * {@code POST /predict/batch}: everything is checked before a job exists (the model exists and is
 * tabular, the dataset is a committed one of the caller's, no larger than a dataset may be, and its
 * header row has every input column of the model; the caller has a free active-job slot); then the
 * job is inserted (holding the slot) with the model pinned to the version the reference names now,
 * and its plan task is sent. The work runs in batch-worker ({@link BatchWorker}).
 */
final class BatchJobs {

    static final Duration RETENTION = Duration.ofDays(90);
    private static final Pattern DATASET_ID = Pattern.compile("ds-[0-9a-f]{32}");

    /** {@code POST /predict/batch}'s 202. */
    record Accepted(String jobId, String status, String statusUrl) {
    }

    private final JobsTable table;
    private final BatchFiles files;
    private final PredictService predict;
    private final Consumer<List<String>> tasks;
    private final BatchSettings settings;
    private final Clock clock;

    BatchJobs(JobsTable table, BatchFiles files, PredictService predict, Consumer<List<String>> tasks,
            BatchSettings settings, Clock clock) {
        this.table = table;
        this.files = files;
        this.predict = predict;
        this.tasks = tasks;
        this.settings = settings;
        this.clock = clock;
    }

    Accepted submit(Principal caller, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new InvalidInput("the body must be a JSON object {\"model\", \"dataset_id\"}");
        }
        List<FieldError> errors = new ArrayList<>();
        body.fieldNames().forEachRemaining(name -> {
            if (!name.equals("model") && !name.equals("dataset_id")) {
                errors.add(new FieldError(name, "is not a field of a batch request (model, dataset_id)"));
            }
        });
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual()) {
            errors.add(new FieldError("model", "is required: 'name', 'name:version' or 'name@alias'"));
        }
        JsonNode datasetId = body.get("dataset_id");
        if (datasetId == null || !datasetId.isTextual()) {
            errors.add(new FieldError("dataset_id", "is required: the id POST /datasets returned"));
        }
        if (!errors.isEmpty()) {
            throw Features.invalid(errors);
        }
        Manifest manifest = predict.resolve(ModelRef.parse("model", model.asText().trim()));
        List<String> inputs = PredictService.inputColumns(manifest);
        if (inputs.isEmpty()) {
            throw InvalidInput.field("model", "'" + manifest.ref() + "' names no input columns in its manifest (it"
                    + " takes arrays only); batch scoring matches the dataset's columns by name");
        }
        JobsTable.Dataset dataset = dataset(caller, datasetId.asText());
        List<String> header = header(dataset);
        List<String> missing = inputs.stream().filter(column -> !header.contains(column)).toList();
        if (!missing.isEmpty()) {
            throw InvalidInput.field("dataset_id", "the dataset's header lacks the model's input column"
                    + (missing.size() == 1 ? " " : "s ") + missing + " (" + manifest.ref() + " takes " + inputs
                    + "; the header has " + abbreviate(header) + ")");
        }

        String id = "job-" + UUID.randomUUID().toString().replace("-", "");
        ObjectNode request = Json.mapper().createObjectNode();
        request.put("model", model.asText().trim());
        request.put("resolved", manifest.ref());
        request.put("dataset_id", dataset.id());
        request.put("dataset_sha256", dataset.sha256());
        Instant now = clock.instant();
        OptionalInt limit = caller.isAdmin() ? OptionalInt.empty() : OptionalInt.of(settings.maxActiveJobs());
        if (!table.insert(id, caller.username(), JobKind.PREDICT_BATCH, model.asText().trim(), Json.writeString(request),
                dataset.objectKey(), Optional.of(dataset.id()), now, now.plus(RETENTION), limit)) {
            throw new TooManyRequests("you have " + table.activeJobs(caller.username()) + " of "
                    + settings.maxActiveJobs() + " jobs (training and batch) queued or running; wait for one to finish"
                    + " or cancel one (DELETE /jobs/{id})", Duration.ofSeconds(60));
        }
        try {
            tasks.accept(List.of(BatchTask.plan(id).body()));
        } catch (RuntimeException e) {
            table.fail(id, "the job could not be queued: " + e.getMessage(), clock.instant());
            throw e instanceof ApiException api ? api
                    : new ServiceUnavailable("the batch tasks queue could not take the job; retry", Duration.ofSeconds(5), e);
        }
        return new Accepted(id, "queued", "/jobs/" + id);
    }

    /** The caller's committed dataset (admins: anyone's), no larger than a dataset may be. */
    private JobsTable.Dataset dataset(Principal caller, String id) {
        if (!DATASET_ID.matcher(id).matches()) {
            throw new NotFound("no dataset '" + (id.length() > 80 ? id.substring(0, 80) : id) + "'");
        }
        JobsTable.Dataset dataset = table.findDataset(id)
                .filter(d -> caller.isAdmin() || d.owner().equals(caller.username()))
                .orElseThrow(() -> new NotFound("no dataset '" + id + "'"));
        if (!dataset.isReady()) {
            throw InvalidInput.field("dataset_id", "dataset '" + id + "' is " + dataset.status()
                    + ": upload it and commit it (POST /datasets/" + id + "/commit) first");
        }
        if (dataset.size() > settings.maxDatasetBytes()) {
            throw new PayloadTooLarge("dataset '" + id + "' is " + dataset.size() + " bytes; batch scoring takes at most "
                    + settings.maxDatasetBytes() + " (TRAINING_MAX_DATASET_BYTES)");
        }
        return dataset;
    }

    /** The dataset's header row, read from the first bytes of its file (a ranged GET). */
    private List<String> header(JobsTable.Dataset dataset) {
        byte[] head = files.head(dataset.objectKey()).orElseThrow(() -> new Conflict(
                "the file of dataset '" + dataset.id() + "' is missing; upload it again"));
        return headerOf(head, dataset.size()).orElseThrow(() -> InvalidInput.field("dataset_id",
                "the dataset's header row is not within its first " + BatchFiles.HEADER_BYTES + " bytes"));
    }

    /** The first record of {@code head} if it is whole (ends with a line feed, or {@code head} is the whole file). */
    static Optional<List<String>> headerOf(byte[] head, long fileSize) {
        CsvChunks.Plan firstRow = CsvChunks.plan(new ByteArrayInputStream(head), Integer.MAX_VALUE, Long.MAX_VALUE);
        boolean whole = head.length >= fileSize || firstRow.headerEnd() < head.length
                || (head.length > 0 && head[head.length - 1] == '\n');
        if (!whole || firstRow.headerEnd() == 0) {
            return Optional.empty();
        }
        String text = new String(head, 0, (int) firstRow.headerEnd(), StandardCharsets.UTF_8);
        try (CSVParser parser = CSVParser.parse(new StringReader(text), CSVFormat.DEFAULT)) {
            List<CSVRecord> records = parser.getRecords();
            if (records.isEmpty()) {
                return Optional.empty();
            }
            List<String> names = new ArrayList<>();
            records.get(0).forEach(name -> names.add(name.strip().replace("\uFEFF", "")));
            return Optional.of(names);
        } catch (IOException | UncheckedIOException e) {
            throw InvalidInput.field("dataset_id", "the dataset's header row is not valid CSV: " + e.getMessage());
        }
    }

    private static String abbreviate(List<String> header) {
        return header.size() <= 20 ? header.toString() : header.subList(0, 20) + " and " + (header.size() - 20) + " more";
    }
}
