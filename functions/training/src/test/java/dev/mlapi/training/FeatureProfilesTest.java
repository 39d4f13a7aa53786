package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.json.Json;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.DriftBaseline;
import dev.mlapi.registry.DriftBaseline.Feature;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3ModelRegistry;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The drift baseline a training run stores: buckets at the training deciles and top categories, blanks apart. */
class FeatureProfilesTest {

    @Test
    void numeric_cutsAtTheDeciles_andCountsBlanksApart() {
        double[] values = IntStream.rangeClosed(1, 100).asDoubleStream().toArray();
        values[0] = Double.NaN;

        Feature feature = FeatureProfiles.numeric("x", 0, values);

        assertThat(feature.edges()).containsExactly(11.0, 21.0, 31.0, 41.0, 51.0, 61.0, 71.0, 81.0, 91.0);
        assertThat(feature.counts()).containsExactly(10L, 10L, 10L, 10L, 10L, 10L, 10L, 10L, 10L, 9L, 1L);
        assertThat(feature.counts().stream().mapToLong(Long::longValue).sum()).isEqualTo(100);
        assertThat(feature.bucketOf(11.0)).isZero();
        assertThat(feature.bucketOf(11.5)).isEqualTo(1);
        assertThat(feature.bucketOf(1e9)).isEqualTo(9);
        assertThat(feature.label(0)).isEqualTo("<= 11");
        assertThat(feature.label(1)).isEqualTo("(11, 21]");
        assertThat(feature.label(9)).isEqualTo("> 91");
        assertThat(feature.label(10)).isEqualTo("(missing)");
    }

    @Test
    void numeric_withFewDistinctValues_getsABucketPerValue() {
        double[] values = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};

        Feature feature = FeatureProfiles.numeric("flag", 3, values);

        assertThat(feature.edges()).containsExactly(0.0, 1.0);
        assertThat(feature.counts()).containsExactly(7L, 3L, 0L, 0L);
    }

    @Test
    void categorical_keepsTheMostFrequent_thenOtherAndBlanks() {
        String[] values = new String[30];
        for (int i = 0; i < values.length; i++) {
            values[i] = i < 2 ? "" : "c" + (i % 25);
        }

        Feature feature = FeatureProfiles.categorical("city", 1, values);

        assertThat(feature.categories()).hasSize(DriftBaseline.TOP_CATEGORIES).startsWith("c2", "c3", "c4", "c0", "c1");
        assertThat(feature.counts().get(DriftBaseline.TOP_CATEGORIES)).isEqualTo(5L); // ties taken by name: c5..c9 are other
        assertThat(feature.counts().get(DriftBaseline.TOP_CATEGORIES + 1)).isEqualTo(2L);
        assertThat(feature.bucketOf("unseen")).isEqualTo(DriftBaseline.TOP_CATEGORIES);
        assertThat(feature.bucketOf("")).isEqualTo(DriftBaseline.TOP_CATEGORIES + 1);
    }

    @Test
    void train_storesTheBaselineOfTheTrainingRows_inTheManifest_readBackFromTheRegistry() {
        try (TestStack stack = TestStack.start()) {
            S3ModelRegistry registry = S3ModelRegistry.create(RegistrySettings.from(stack.config()), Clock.systemUTC());
            TrainSpec spec = TrainSpec.parse(Json.write(Map.of("model_name", "cars", "algorithm", "decision_tree",
                    "dataset", Map.of("csv", RawTableExportTest.carsCsv(5, 120)), "params", Map.of("max_depth", List.of(3)),
                    "cv_folds", 2, "seed", 5)));

            new ModelTrainer(registry).train(spec, "erin", (d, t) -> { });

            Manifest stored = registry.resolve(new ModelRef("cars", OptionalInt.empty(), Optional.empty()));
            DriftBaseline baseline = DriftBaseline.of(stored).orElseThrow();
            assertThat(baseline.rows()).isEqualTo(120);
            // id is not used; the date column is not profiled
            assertThat(baseline.features()).extracting(Feature::name).containsExactly("origin", "turbo", "hp");
            Feature origin = baseline.features().get(0);
            assertThat(origin.kind()).isEqualTo(DriftBaseline.Kind.CATEGORICAL);
            assertThat(origin.input()).isEqualTo(DriftBaseline.Input.TEXT);
            assertThat(origin.slot()).isZero();
            assertThat(origin.categories()).containsExactlyInAnyOrder("USA", "Europe", "Japan", "Korea");
            Feature hp = baseline.features().get(2);
            assertThat(hp.input()).isEqualTo(DriftBaseline.Input.NUMERIC);
            assertThat(hp.slot()).isZero(); // the first cell of the numeric input; the date's four parts follow
            assertThat(hp.counts().get(hp.missingBucket())).isPositive(); // NA and blank cells, not their imputed median
            for (Feature f : baseline.features()) {
                assertThat(f.counts().stream().mapToLong(Long::longValue).sum()).as(f.name()).isEqualTo(120);
            }
            assertThat(DriftBaseline.of(stored).orElseThrow().id()).isEqualTo(baseline.id()).hasSize(12);
        }
    }
}
