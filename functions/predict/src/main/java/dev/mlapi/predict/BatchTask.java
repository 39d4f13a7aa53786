package dev.mlapi.predict;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.mlapi.core.json.Json;
import java.nio.charset.StandardCharsets;

/**
 * One message of the batch tasks queue for batch scoring: {@code plan} (cut the dataset into
 * chunks), {@code score} (score chunk {@code chunk}: bytes {@code [start, end)} of the dataset,
 * rows {@code first_row ..} {@code first_row + rows - 1}) or {@code assemble} (concatenate the
 * parts). Small: the dataset stays in S3, named by the job.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record BatchTask(String job, String kind, Integer chunk, Long start, Long end, Long firstRow, Integer rows) {

    static final String PLAN = "plan";
    static final String SCORE = "score";
    static final String ASSEMBLE = "assemble";

    static BatchTask plan(String job) {
        return new BatchTask(job, PLAN, null, null, null, null, null);
    }

    static BatchTask score(String job, CsvChunks.Chunk chunk) {
        return new BatchTask(job, SCORE, chunk.index(), chunk.start(), chunk.end(), chunk.firstRow(), chunk.rows());
    }

    static BatchTask assemble(String job) {
        return new BatchTask(job, ASSEMBLE, null, null, null, null, null);
    }

    String body() {
        return Json.writeString(this);
    }

    static BatchTask parse(String body) {
        return Json.read(body.getBytes(StandardCharsets.UTF_8), BatchTask.class);
    }

    /** How a failure names it: {@code chunk 3 (rows 60001–80000)}, {@code the plan}, {@code the assembly}. */
    String describe() {
        return switch (kind) {
            case SCORE -> "chunk " + chunk + " (rows " + firstRow + "–" + (firstRow + rows - 1) + ")";
            case PLAN -> "the plan (reading the dataset into chunks)";
            case ASSEMBLE -> "the assembly of the CSV";
            default -> "task " + kind;
        };
    }
}
