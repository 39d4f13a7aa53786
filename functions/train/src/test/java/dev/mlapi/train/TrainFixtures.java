package dev.mlapi.train;

import static dev.mlapi.core.testkit.Events.body;
import static dev.mlapi.core.testkit.Events.invoke;
import static dev.mlapi.core.testkit.Events.load;
import static dev.mlapi.core.testkit.Events.withBearer;
import static dev.mlapi.core.testkit.Events.withJson;
import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.DynamodbEvent;
import com.amazonaws.services.lambda.runtime.events.DynamodbEvent.DynamodbStreamRecord;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.AttributeValue;
import com.amazonaws.services.lambda.runtime.events.models.dynamodb.StreamRecord;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/** Datasets, requests, stream records and the function's parts on real storage, for the train function's tests. */
final class TrainFixtures {

    /**
     * The train function on real parts, for a test class: a real queue (ElasticMQ), DynamoDB Local
     * and S3Proxy ({@link TestStack}), the API's handler, the planner (train-worker) and the fit
     * worker, and a signed-in user, alice.
     */
    static final class Pipeline implements AutoCloseable {
        final TrainingQueue queue;
        final TestStack stack;
        final TrainingTable table;
        final TrainComponents.Storage storage;
        final TrainHandler api;
        final TrainWorkerHandler planner;
        final FitWorkerHandler fitWorker;
        final String alice;

        private Pipeline(TrainingQueue queue, TestStack stack) {
            this.queue = queue;
            this.stack = stack;
            this.table = TrainComponents.table(stack.wiring());
            this.storage = TrainComponents.Storage.create(stack.wiring());
            this.api = new TrainHandler(stack.wiring());
            this.planner = new TrainWorkerHandler(stack.wiring());
            this.fitWorker = new FitWorkerHandler(stack.wiring());
            this.alice = stack.signedIn("alice", Role.USER).token();
        }

        static Pipeline start() {
            TrainingQueue queue = TrainingQueue.start();
            return new Pipeline(queue, TestStack.start(queue.environment()));
        }

        /** Submits {@code request} as alice; asserts the 202 and gives the job's id. */
        String submit(Map<String, Object> request) {
            var response = invoke(api, withJson(withBearer(load("train-submit-inline.json"), alice), request));
            assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(202);
            return body(response).get("job_id").asText();
        }

        TrainingJob job(String id) {
            return table.findJob(id).orElseThrow();
        }

        /** How many versions model {@code model} has in the registry (0 if it has none). */
        int versionsOf(String model) {
            try {
                return storage.registry().versions(model, 100, Optional.empty()).items().size();
            } catch (NotFound none) {
                return 0;
            }
        }

        @Override
        public void close() {
            try {
                stack.close();
            } finally {
                queue.close();
            }
        }
    }

    /** 18 iris rows, six per species: three stratified folds of two per class. */
    static final String SMALL_IRIS = """
            sepal_length,sepal_width,petal_length,petal_width,species
            5.1,3.5,1.4,0.2,setosa
            4.9,3.0,1.4,0.2,setosa
            4.7,3.2,1.3,0.2,setosa
            4.6,3.1,1.5,0.2,setosa
            5.0,3.6,1.4,0.2,setosa
            5.4,3.9,1.7,0.4,setosa
            7.0,3.2,4.7,1.4,versicolor
            6.4,3.2,4.5,1.5,versicolor
            6.9,3.1,4.9,1.5,versicolor
            5.5,2.3,4.0,1.3,versicolor
            6.5,2.8,4.6,1.5,versicolor
            5.7,2.8,4.5,1.3,versicolor
            6.3,3.3,6.0,2.5,virginica
            5.8,2.7,5.1,1.9,virginica
            7.1,3.0,5.9,2.1,virginica
            6.3,2.9,5.6,1.8,virginica
            6.5,3.0,5.8,2.2,virginica
            7.6,3.0,6.6,2.1,virginica
            """;

    private TrainFixtures() {
    }

    /** A decision tree grid on {@link #SMALL_IRIS}, three folds. */
    static Map<String, Object> irisTree(String modelName) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("model_name", modelName);
        body.put("algorithm", "decision_tree");
        body.put("target", "species");
        body.put("dataset", Map.of("csv", SMALL_IRIS));
        body.put("params", Map.of("max_depth", List.of(1, 2, 3)));
        body.put("cv_folds", 3);
        body.put("seed", 42);
        return body;
    }

    /** What the stream sends when the API inserts job {@code jobId}. */
    static DynamodbEvent inserted(String jobId, String eventName, String kind) {
        StreamRecord stream = new StreamRecord();
        stream.setKeys(Map.of("id", new AttributeValue().withS(jobId)));
        stream.setNewImage(Map.of("id", new AttributeValue().withS(jobId), "kind", new AttributeValue().withS(kind),
                "status", new AttributeValue().withS("queued")));
        stream.setSequenceNumber(Long.toString(System.nanoTime()));
        DynamodbStreamRecord record = new DynamodbStreamRecord();
        record.setEventName(eventName);
        record.setEventSource("aws:dynamodb");
        record.setDynamodb(stream);
        DynamodbEvent event = new DynamodbEvent();
        event.setRecords(List.of(record));
        return event;
    }

    /** A noisy two-class problem big enough that a forest grid takes seconds, not milliseconds. */
    static String largeCsv(int rows, long seed) {
        Random random = new Random(seed);
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f,label\n");
        for (int i = 0; i < rows; i++) {
            double[] x = new double[6];
            for (int j = 0; j < x.length; j++) {
                x[j] = random.nextGaussian();
            }
            boolean positive = x[0] + 0.5 * x[1] * x[2] - x[3] + 0.8 * random.nextGaussian() > 0;
            for (double v : x) {
                csv.append(String.format(Locale.ROOT, "%.4f,", v));
            }
            csv.append(positive ? "yes" : "no").append('\n');
        }
        return csv.toString();
    }
}
