package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.queue.TaskMessages;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.jobs.JobRun;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import java.io.ByteArrayInputStream;

/**
 * Batch scoring's work, one task at a time (batch-worker runs it from the queue):
 * <ul>
 * <li>{@code plan}: streams the dataset once, cuts it into chunks of {@link BatchSettings#chunkRows()}
 *     whole rows by byte ranges ({@link CsvChunks}), sets the job's {@code total} and sends one
 *     {@code score} task per chunk;</li>
 * <li>{@code score}: reads its byte range (a ranged GET), scores the rows with the predict code
 *     (the model pinned at submit, loaded once per container), writes its part
 *     ({@code training/batch/<job>/part-<k>.csv}: the row's cells, {@code prediction}, and a
 *     {@code probability_<class>} per class) and counts it exactly once ({@link JobsTable#countUnit});
 *     the count that completes the job sends {@code assemble};</li>
 * <li>{@code assemble}: concatenates the parts in order under one header into {@code result.csv}
 *     (a streamed multipart upload) and records the job succeeded.</li>
 * </ul>
 * Every task is safe to run twice: the plan is the same, a part is the same bytes and is counted
 * once, the assembly writes the same object and succeeds the job once. Nothing runs for a job that
 * is no longer running (cancelled, failed).
 */
final class BatchWorker implements TaskMessages.Worker<BatchTask> {

    /** A task that can never succeed (bad rows, a model that cannot take them): the job fails at once. */
    static final class Permanent extends TaskMessages.Permanent {
        Permanent(String message) {
            super(message);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(BatchWorker.class);
    private static final Pattern INSTANCE = Pattern.compile("instances\\[(\\d+)]");
    static final String PLAN_FILE = "plan.json";

    private final JobsTable table;
    private final JobRun run;
    private final BatchFiles files;
    private final PredictService predict;
    private final Consumer<List<String>> tasks;
    private final BatchSettings settings;
    private final Clock clock;

    BatchWorker(JobsTable table, BatchFiles files, PredictService predict, Consumer<List<String>> tasks,
            BatchSettings settings, Clock clock) {
        this.table = table;
        this.run = new JobRun(table, tasks, clock, LOG);
        this.files = files;
        this.predict = predict;
        this.tasks = tasks;
        this.settings = settings;
        this.clock = clock;
    }

    /** Runs {@code task}. Throws {@link Permanent} for what no retry can fix; anything else is worth a retry. */
    @Override
    public BatchTask parse(String body) {
        return BatchTask.parse(body);
    }

    @Override
    public String job(BatchTask task) {
        return task.job();
    }

    @Override
    public String describe(BatchTask task) {
        return task.describe();
    }

    @Override
    public void run(BatchTask task) {
        Optional<JobsTable.Job> job = run.active(task.job(), task.kind());
        if (job.isEmpty()) {
            return;
        }
        switch (task.kind()) {
            case BatchTask.PLAN -> plan(job.get());
            case BatchTask.SCORE -> score(job.get(), task);
            case BatchTask.ASSEMBLE -> assemble(job.get());
            default -> throw new Permanent("unknown task kind '" + task.kind() + "'");
        }
    }

    /** Records the job failed with {@code reason} (its slot given back); false if it had finished already. */
    @Override
    public boolean fail(String jobId, String reason) {
        return run.fail(jobId, reason);
    }

    private void plan(JobsTable.Job job) {
        CsvChunks.Plan plan;
        try (InputStream csv = files.open(job.datasetKey())) {
            plan = CsvChunks.plan(csv, settings.chunkRows(), settings.maxRows());
        } catch (CsvChunks.TooManyRows e) {
            throw new Permanent(e.getMessage() + "; batch scoring takes at most " + settings.maxRows());
        } catch (IOException e) {
            throw new UncheckedIOException("reading dataset " + job.datasetKey(), e);
        }
        if (plan.rows() == 0) {
            throw new Permanent("the dataset has a header row and no rows to score");
        }
        byte[] head = files.range(job.datasetKey(), 0, plan.headerEnd());
        List<String> header = BatchJobs.headerOf(head, plan.headerEnd())
                .orElseThrow(() -> new Permanent("the dataset's header row could not be read"));
        ObjectNode stored = Json.mapper().createObjectNode();
        stored.put("rows", plan.rows());
        stored.set("header", Json.mapper().valueToTree(header));
        stored.set("chunks", Json.mapper().valueToTree(plan.chunks()));
        files.put(planKey(job.id()), Json.write(stored));
        if (!table.start(job.id(), plan.chunks().size(), clock.instant())) {
            return;
        }
        tasks.accept(plan.chunks().stream().map(chunk -> BatchTask.score(job.id(), chunk).body()).toList());
        LOG.info("job {}: {} rows in {} chunks", job.id(), plan.rows(), plan.chunks().size());
    }

    private void score(JobsTable.Job job, BatchTask task) {
        String unit = "part#" + task.chunk();
        String assemble = BatchTask.assemble(job.id()).body();
        // redelivered after it was counted: the assembly may be what was lost
        if (run.counted(job.id(), unit, assemble)) {
            return;
        }
        Stored plan = plan(job.id());
        Manifest manifest = predict.resolve(ModelRef.parse("model", JobRun.request(job).path("resolved").asText()));
        List<String> inputs = PredictService.inputColumns(manifest);
        byte[] bytes = files.range(job.datasetKey(), task.start(), task.end());
        List<CSVRecord> records;
        try (CSVParser parser = CSVParser.parse(new InputStreamReader(new ByteArrayInputStream(bytes),
                StandardCharsets.UTF_8), CSVFormat.DEFAULT)) {
            records = parser.getRecords();
        } catch (IOException | UncheckedIOException e) {
            throw new Permanent(task.describe() + " is not valid CSV: " + e.getMessage());
        }
        if (records.size() != task.rows()) {
            throw new Permanent(task.describe() + " read " + records.size() + " rows where the plan counted "
                    + task.rows() + " (was the dataset's file replaced?)");
        }
        int[] positions = inputs.stream().mapToInt(plan.header()::indexOf).toArray();
        List<JsonNode> instances = new ArrayList<>(records.size());
        for (int r = 0; r < records.size(); r++) {
            CSVRecord record = records.get(r);
            ObjectNode instance = Json.mapper().createObjectNode();
            for (int c = 0; c < positions.length; c++) {
                if (positions[c] < 0 || positions[c] >= record.size()) {
                    throw new Permanent("row " + (task.firstRow() + r) + " has " + record.size() + " cells; the header has "
                            + plan.header().size());
                }
                instance.put(inputs.get(c), record.get(positions[c]));
            }
            instances.add(instance);
        }
        List<TabularModel.Output> outputs;
        try {
            outputs = predict.score(manifest, instances);
        } catch (InvalidInput e) {
            throw new Permanent(rows(e.detail(), task.firstRow()));
        } catch (ApiException e) {
            throw new Permanent(e.detail());
        }
        List<String> columns = new ArrayList<>(plan.header());
        columns.add("prediction");
        List<String> classes = outputs.get(0).probabilities() == null ? List.of()
                : List.copyOf(outputs.get(0).probabilities().keySet());
        classes.forEach(c -> columns.add("probability_" + c));
        files.put(BatchFiles.partKey(job.id(), task.chunk()), part(records, outputs, classes));
        ArrayNode header = Json.mapper().valueToTree(columns);
        run.count(job.id(), unit, Map.of(
                "rows", AttributeValue.fromN(Integer.toString(records.size())),
                "header", AttributeValue.fromS(Json.writeString(header))), assemble);
    }

    private void assemble(JobsTable.Job job) {
        JobRun.requireComplete(job, "parts");
        Stored plan = plan(job.id());
        JsonNode header = table.unit(job.id(), "part#0").map(u -> Json.readTree(u.get("header").s()
                .getBytes(StandardCharsets.UTF_8))).orElseThrow(() -> new IllegalStateException("part 0 is not recorded"));
        List<String> columns = new ArrayList<>();
        header.forEach(c -> columns.add(c.asText()));
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < job.total(); k++) {
            parts.add(BatchFiles.partKey(job.id(), k));
        }
        String key = BatchFiles.resultKey(job.id());
        long size = files.concatenate(csvLine(columns), parts, key);
        JsonNode request = JobRun.request(job);
        ModelRef resolved = ModelRef.parse("model", request.path("resolved").asText());
        ObjectNode result = Json.mapper().createObjectNode();
        result.put("rows", plan.rows());
        result.put("chunks", job.total());
        result.putObject("model").put("name", resolved.name()).put("version", resolved.version().orElse(0));
        result.set("header", header);
        result.put("size", size);
        result.put("object_key", key);
        if (run.succeed(job.id(), Json.writeString(result))) {
            LOG.info("job {}: {} rows scored into {} ({} bytes)", job.id(), plan.rows(), key, size);
        }
    }

    /** The stored plan: the dataset's header and row count. */
    record Stored(List<String> header, long rows) {
    }

    private Stored plan(String jobId) {
        try (InputStream in = files.open(planKey(jobId))) {
            JsonNode plan = Json.readTree(in.readAllBytes());
            List<String> header = new ArrayList<>();
            plan.get("header").forEach(h -> header.add(h.asText()));
            return new Stored(header, plan.get("rows").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the plan of " + jobId, e);
        }
    }

    static String planKey(String jobId) {
        return BatchFiles.PREFIX + jobId + "/" + PLAN_FILE;
    }

    /** The rows as read, then the prediction and each class's probability, as CSV without a header. */
    private static byte[] part(List<CSVRecord> records, List<TabularModel.Output> outputs, List<String> classes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
                CSVPrinter printer = new CSVPrinter(writer, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
            List<String> cells = new ArrayList<>();
            for (int r = 0; r < records.size(); r++) {
                cells.clear();
                records.get(r).forEach(cells::add);
                TabularModel.Output output = outputs.get(r);
                cells.add(output.label() != null ? output.label() : String.valueOf(output.value()));
                for (String c : classes) {
                    Double p = output.probabilities() == null ? null : output.probabilities().get(c);
                    cells.add(p == null ? "" : String.valueOf(p));
                }
                printer.printRecord(cells);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static byte[] csvLine(List<String> cells) {
        StringBuilder line = new StringBuilder();
        try (CSVPrinter printer = new CSVPrinter(line, CSVFormat.DEFAULT.builder().setRecordSeparator("\n").get())) {
            printer.printRecord(cells);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return line.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** {@code instances[3].x: …} as {@code row 60004, x: …} (rows counted from 1 after the header). */
    static String rows(String detail, long firstRow) {
        Matcher m = INSTANCE.matcher(detail);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, "row " + (firstRow + Long.parseLong(m.group(1))));
        }
        m.appendTail(out);
        return out.toString();
    }
}
