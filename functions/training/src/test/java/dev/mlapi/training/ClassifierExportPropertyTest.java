package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * A property of every classifier export: on random seeded tables (2–5 classes, 1–40 features,
 * 30–2,000 rows, classes imbalanced up to 1:50, constant and duplicated columns, values with
 * ties) and random decision-tree, random-forest and logistic-regression parameters, the ONNX
 * export agrees with Tribuo on every training row ({@link ExportVerifier}: every probability and
 * the label).
 *
 * <p>Binary forests and trees whose leaves are pure once broke this: the exporter skipped a
 * class's zero weight, ONNX Runtime then saw only one class scored for such a row and wrote
 * {@code [-p, p]} for the two classes (its binary convention), so P(benign) came out as -1.0.
 */
class ClassifierExportPropertyTest {

    private static final int CASES = 300;

    @Test
    void export_whenTablesAndParametersAreRandom_agreesWithTribuoOnEveryRow() {
        List<String> failures = new ArrayList<>();
        int rowsCompared = 0;
        for (int c = 0; c < CASES; c++) {
            long seed = 9_000L + c;
            // not java.util.Random: its first draws from nearby seeds are nearly equal (every case had 4 classes)
            RandomGenerator random = new SplittableRandom(seed);
            Algorithm algorithm = pick(random, Algorithm.DECISION_TREE, Algorithm.RANDOM_FOREST,
                    Algorithm.RANDOM_FOREST, Algorithm.LOGISTIC_REGRESSION);
            // Tribuo's forests need a fraction of the features per split, so at least two features
            TabularDataset data = randomTable(random, algorithm == Algorithm.RANDOM_FOREST ? 2 : 1);
            Map<String, Object> params = randomParams(random, algorithm, data.featureNames().size());
            String label = "case " + c + " (seed " + seed + ", " + algorithm.value() + " " + params + ", "
                    + data.size() + " rows × " + data.featureNames().size() + " features, " + data.classes().size()
                    + " classes)";
            Model<Label> model = algorithm.trainer(params, seed, data.featureNames().size(), data.size())
                    .train(TribuoData.dataset(data, null));
            byte[] onnx = algorithm.isLinear()
                    ? LinearOnnxExporter.export(model, data.featureNames(), data.classes())
                    : TreeOnnxExporter.export(model, data.featureNames(), data.classes());
            try {
                rowsCompared += ExportVerifier.verify(onnx, model, data);
            } catch (ExportVerifier.Mismatch e) {
                failures.add(label + ": " + e.getMessage());
            }
        }
        assertThat(failures).as("exports that disagree with Tribuo").isEmpty();
        assertThat(rowsCompared).isGreaterThan(CASES * 30);
    }

    /**
     * Classes drawn with weights up to 1:50; features are class-shifted noise, overlapping or far
     * apart, some rounded, one constant, one a copy of another.
     */
    static TabularDataset randomTable(RandomGenerator random, int minFeatures) {
        int classes = 2 + random.nextInt(4);
        int features = minFeatures + random.nextInt(41 - minFeatures);
        int rows = (int) Math.round(Math.exp(Math.log(30) + random.nextDouble() * (Math.log(2_000) - Math.log(30))));
        double[] weights = new double[classes];
        for (int k = 0; k < classes; k++) {
            weights[k] = 1 + random.nextDouble() * 49;
        }
        // from overlapping classes to (nearly) separable ones, where every tree's leaf is pure
        double separation = pick(random, 0.3, 1.0, 3.0, 8.0);
        double[][] shifts = new double[classes][features];
        for (double[] shift : shifts) {
            for (int f = 0; f < features; f++) {
                shift[f] = random.nextGaussian() * separation;
            }
        }
        int constant = features > 2 && random.nextBoolean() ? random.nextInt(features) : -1;
        int copy = features > 3 && random.nextBoolean() ? random.nextInt(features) : -1;
        boolean rounded = random.nextBoolean();
        List<String> names = new ArrayList<>();
        for (int f = 0; f < features; f++) {
            names.add("f" + f);
        }
        double[][] table = new double[rows][features];
        List<String> targets = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            // every class appears at least twice, so the table is a valid classification set
            int k = i < 2 * classes ? i % classes : draw(random, weights);
            targets.add("class-" + (char) ('a' + k));
            for (int f = 0; f < features; f++) {
                double v = shifts[k][f] + random.nextGaussian();
                table[i][f] = rounded ? Math.round(v * 2) / 2.0 : v;
            }
            if (constant >= 0) {
                table[i][constant] = 3.0;
            }
            if (copy >= 0) {
                table[i][copy] = table[i][(copy + 1) % features];
            }
        }
        return new TabularDataset(names, "target", table, targets);
    }

    static Map<String, Object> randomParams(RandomGenerator random, Algorithm algorithm, int features) {
        Map<String, Object> params = new LinkedHashMap<>();
        if (algorithm == Algorithm.LOGISTIC_REGRESSION) {
            params.put("C", pick(random, 0.01, 0.1, 1.0, 10.0, 100.0));
            params.put("max_iter", 5 + random.nextInt(30));
            return params;
        }
        params.put("max_depth", random.nextInt(4) == 0 ? null : 1 + random.nextInt(12));
        params.put("min_samples_leaf", pick(random, 1, 1, 2, 5, 20));
        params.put("criterion", pick(random, "gini", "entropy"));
        if (algorithm == Algorithm.RANDOM_FOREST) {
            params.put("n_estimators", 1 + random.nextInt(8));
            params.put("max_features", pick(random, "sqrt", "log2", 0.5));
        }
        return params;
    }

    private static int draw(RandomGenerator random, double[] weights) {
        double total = 0;
        for (double w : weights) {
            total += w;
        }
        double r = random.nextDouble() * total;
        for (int k = 0; k < weights.length; k++) {
            r -= weights[k];
            if (r < 0) {
                return k;
            }
        }
        return weights.length - 1;
    }

    @SafeVarargs
    private static <T> T pick(RandomGenerator random, T... values) {
        return values[random.nextInt(values.length)];
    }
}
