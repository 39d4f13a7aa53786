package dev.mlapi.images;

import static dev.mlapi.images.ManageImagesHandlerTest.picture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.jobs.JobsTable;
import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import dev.mlapi.imagestore.ImageLibrary;
import dev.mlapi.imagestore.NewImage;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.awt.Color;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /images/classify}'s bound on the images of one job, on DynamoDB Local and S3Proxy
 * (a limit of 3 here; 10,000 in the function): more matching images are a 400 naming the count
 * and the limit, and no job exists. Batch tagging itself is tested in the classify module
 * ({@code BatchTaggingTest}), where tag-worker runs.
 */
class ImageTaggingJobsTest {

    static TestStack stack;
    static ImageLibrary library;
    static JobsTable table;
    static List<List<String>> sent = new ArrayList<>();

    @BeforeAll
    static void start() {
        stack = TestStack.start(Map.of());
        library = ImageLibrary.create(stack.wiring());
        table = new JobsTable(stack.wiring().dynamoDb(), stack.config().environment().tableName(TableCatalog.JOBS_AND_DATASETS));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    static ImageTaggingJobs jobs(int maxImages) {
        return new ImageTaggingJobs(library, S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC()),
                "mobilenetv2@production", table, sent::add, 3, maxImages, Clock.systemUTC());
    }

    @Test
    void submit_ofMoreImagesThanAJobTakes_is400NamingTheCountAndTheLimit_andCreatesNoJob() {
        Principal kim = new Principal("id-kim", "kim", Role.USER, "jti", 0, Instant.now().plusSeconds(600));
        library.createTag(kim, "roll");
        List<NewImage> images = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            images.add(new NewImage("p" + i + ".png", "image/png", picture("png", 8, 8, Color.RED), 8, 8));
        }
        library.upload(kim, images, List.of("roll"));

        assertThatThrownBy(() -> jobs(3).submit(kim, Json.readTree("{\"tag\":\"roll\"}".getBytes())))
                .isInstanceOf(InvalidInput.class)
                .hasMessageContaining("5 images match tag 'roll'")
                .hasMessageContaining("at most 3");
        assertThatThrownBy(() -> jobs(1).submit(kim, Json.readTree("{\"tags\":[\"roll\"]}".getBytes())))
                .isInstanceOf(InvalidInput.class)
                .hasMessageContaining("tags: 5 images match tag 'roll'")
                .hasMessageContaining("at most 1");
        assertThat(table.activeJobs("kim")).isZero();
        assertThat(sent).isEmpty();
    }
}
