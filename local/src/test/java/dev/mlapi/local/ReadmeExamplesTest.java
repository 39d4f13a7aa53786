package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mlapi.inference.TabularOnnx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Runs the README's "Try it" curl blocks with bash and curl against a real local server, as a
 * newcomer would paste them. Every curl without {@code -w} must succeed (2xx). Every block runs
 * with the admin's password generated; the accounts block runs again with {@code ADMIN_PASSWORD}
 * set (as the README's run section allows): the examples read {@code .local/admin-password} either
 * way, and every block logs in with the same line (checked here), so one block proves the second
 * case for all of them.
 */
class ReadmeExamplesTest {

    /** Every block, with the admin's password generated. */
    @Nested
    class WithAGeneratedAdminPassword extends Examples {
        @Override
        Map<String, String> serverEnvironment() {
            return Map.of();
        }

            @Test
            void modelsAndClassifyBlock_runsAsWritten_exceptTheInternetUrl() throws Exception {
                Path shared = LocalServer.repositoryRoot().resolveSibling("shared");
                assumeTrue(Files.isDirectory(shared.resolve("models")), "../shared is absent: the models block needs its model and photo");
                Files.copy(shared.resolve("images/cat.jpg"), workDir.resolve("cat.jpg"));
                Files.copy(shared.resolve("models/mobilenetv2-12-int8.onnx"), workDir.resolve("mobilenetv2-12-int8.onnx"));
                Files.copy(shared.resolve("models/imagenet-synset.txt"), workDir.resolve("imagenet-synset.txt"));
                String block = blocks.get(1);
                // The last example fetches a photo from the internet, which tests never reach.
                String offline = block.substring(0, block.indexOf("# classify by URL"));
                String output = run(offline);
                assertThat(output).containsPattern("\"classification\":\"(tabby|tiger cat|Egyptian cat)\"")
                        .contains("\"name\":\"my-mobilenet\"");
            }

            @Test
            void historyReportAndStatsBlock_runsAsWritten() throws Exception {
                String output = run(blocks.get(2));
                assertThat(output).contains("\"items\":[", "\"request_id\":",
                        "route,request_count,processing_time_avg", "\"total_requests\":", "\"by_route\":", "\"series\":");
            }

            @Test
            void predictBlock_runsAsWritten() throws Exception {
                Files.write(workDir.resolve("iris-tree.onnx"), TabularOnnx.irisTree());
                String output = run(blocks.get(3));
                assertThat(output).contains("\"label\":\"setosa\"", "\"label\":\"virginica\"", "\"label\":\"versicolor\"",
                        "\"processing_time\":");
                assertThat(output.lines().filter(l -> l.endsWith("400")).count()).as("the refused instance").isEqualTo(1);
                assertThat(output).contains("\"canary\":{\"version\":2,\"weight\":10", "\"role\":\"",
                        "\"split\":{\"stable\":90,\"canary\":10}");
            }

            @Test
            void trainBlock_uploadsADataset_trainsAGrid_pollsAndPredicts() throws Exception {
                String output = run(blocks.get(4));
                assertThat(output).contains("\"status\":\"ready\"", "\"status\":\"succeeded\"", "\"best_params\":",
                        "\"name\":\"flowers\"", "\"label\":\"setosa\"", "\"label\":\"virginica\"");
                assertThat(output.lines().filter(l -> l.endsWith("400")).count()).as("the refused CSV").isEqualTo(1);
            }

            @Test
            void imagesBlock_runsAsWritten_withSharedPhotosOrGeneratedOnes() throws Exception {
                Path photos = LocalServer.repositoryRoot().resolveSibling("shared").resolve("images");
                boolean shared = Files.isRegularFile(photos.resolve("banana.jpg"));
                for (String name : List.of("banana.jpg", "pizza.jpg", "cat.jpg")) {
                    if (shared) {
                        Files.copy(photos.resolve(name), workDir.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    } else {
                        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(64, 48,
                                java.awt.image.BufferedImage.TYPE_INT_RGB);
                        javax.imageio.ImageIO.write(image, "jpeg", workDir.resolve(name).toFile());
                    }
                }
                String block = blocks.get(5);
                // Without ../shared there is no default image model to classify with (tests never download one).
                String output = run(shared ? block : block.substring(0, block.indexOf("# classify a stored image")));
                assertThat(output).contains("\"content_type\":\"image/jpeg\"", "\"name\":\"Food & Drink\"", "\"description\":\"ripe\"");
                assertThat(output.lines().filter(l -> l.endsWith("404")).count()).as("the deleted image").isEqualTo(1);
                if (shared) {
                    assertThat(output).contains("\"suggested_tags\":[{\"name\":\"banana\"");
                }
            }

            @Test
            void batchScoringBlock_trainsScoresAGardenAndDownloadsItsCsv_andListsJobs() throws Exception {
                String output = run(blocks.get(6));
                assertThat(output).contains("\"job_kind\":\"train\"", "\"job_kind\":\"predict_batch\"",
                        "\"status\":\"succeeded\"", "\"unit\":\"chunks\"", "\"download_url\":\"http");
                assertThat(output).contains("plant,sepal_length,sepal_width,petal_length,petal_width,note,prediction,"
                        + "probability_setosa,probability_versicolor,probability_virginica");
                assertThat(output).contains("p1,5.0,3.4,1.5,0.2,by the gate,setosa,", "\"two stems\none flower\"");
                assertThat(output.lines().filter(l -> l.endsWith("400")).count()).as("the table without petal_width")
                        .isEqualTo(1);
            }
    }

    /**
     * The accounts block again with {@code ADMIN_PASSWORD} set: every other block logs in with the
     * same line ({@link #everyBlockLogsInAsAdminWithTheSameLine}), so one block proves it for all.
     */
    @Nested
    class WithAdminPasswordSet extends Examples {
        @Override
        Map<String, String> serverEnvironment() throws IOException {
            // a file left by an earlier start with a generated password is replaced by the one in use
            Files.createDirectories(workDir.resolve(".local"));
            Files.writeString(workDir.resolve(".local/admin-password"), "stale-generated-password\n");
            return Map.of("ADMIN_PASSWORD", "set-by-the-environment-42");
        }
    }

    @Test
    void everyBlockLogsInAsAdminWithTheSameLine() throws IOException {
        List<String> blocks = shellBlocks(Files.readString(LocalServer.repositoryRoot().resolve("README.md")), "## Try it");
        Pattern adminLogin = Pattern.compile("(?m)^.*password=\\$\\(cat \\.local/admin-password\\).*$");
        Set<String> lines = new HashSet<>();
        for (String block : blocks) {
            Matcher m = adminLogin.matcher(block);
            assertThat(m.find()).as("a README block that does not log in as admin from .local/admin-password:\n" + block)
                    .isTrue();
            lines.add(m.group().strip());
        }
        assertThat(blocks).hasSizeGreaterThanOrEqualTo(7);
        assertThat(lines).as("the admin login line, the same in every block").hasSize(1);
    }

    static List<String> shellBlocks(String readme, String heading) {
        String section = readme.substring(readme.indexOf(heading));
        section = section.substring(0, section.indexOf("\n## ", heading.length()));
        List<String> found = new ArrayList<>();
        Matcher m = Pattern.compile("```sh\\n(.*?)```", Pattern.DOTALL).matcher(section);
        while (m.find()) {
            found.add(m.group(1));
        }
        return found;
    }

    /** Every example, against one server started with {@link #serverEnvironment()}. */
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    abstract static class Examples {

        /** A fresh folder per server, made in {@code start} (JUnit injects {@code @TempDir} fields only before each test). */
        Path workDir;
        LocalServer server;
        List<String> blocks;

        /** The environment the server starts with. */
        abstract Map<String, String> serverEnvironment() throws IOException;

        @BeforeAll
        void start() throws IOException {
            workDir = Files.createTempDirectory("readme-examples");
            Path root = LocalServer.repositoryRoot();
            blocks = shellBlocks(Files.readString(root.resolve("README.md")), "## Try it");
            // The server keeps the admin's password in .local/ under the folder the examples run in.
            server = LocalServer.start(new LocalSettings(0, "127.0.0.1", workDir.resolve(".local"), 0, 0), root,
                    serverEnvironment());
        }

        @AfterAll
        void stop() throws IOException {
            if (server != null) {
                server.close();
            }
            try (var paths = Files.walk(workDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }

        String run(String block) throws IOException, InterruptedException {
            assumeTrue(new ProcessBuilder("curl", "--version").start().waitFor() == 0, "curl is not installed: README examples not run");
            String script = """
                    set -euo pipefail
                    curl() { if [[ " $* " == *" -w "* ]]; then command curl "$@"; else command curl --fail-with-body "$@"; fi; }
                    """ + block.replace("API=http://127.0.0.1:3000", "API=" + server.baseUri());
            Process process = new ProcessBuilder("bash", "-c", script).directory(workDir.toFile()).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("README block failed:\n" + output).isZero();
            return output;
        }

        @Test
        void accountsBlock_runsAsWritten() throws Exception {
            String output = run(blocks.get(0));
            assertThat(output).contains("\"username\":\"alice\"", "\"role\":\"user\"", "\"items\":[");
            assertThat(output.lines().filter(l -> l.endsWith("401")).count()).as("two refused tokens").isEqualTo(2);
        }
    }
}
