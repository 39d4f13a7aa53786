package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tribuo.Model;
import org.tribuo.classification.Label;

/**
 * A table as people bring it (a text column, a yes/no column, blank cells, a date column, an id
 * and text labels) trains with no option, and the export with its encoding in front agrees with
 * Tribuo on the encoded rows when fed every training row raw ({@link ExportVerifier}).
 */
class RawTableExportTest {

    /** Cars: origin (text, some blank), turbo (yes/no), hp (numbers, some NA), built (dates, some blank), id. */
    static String carsCsv(long seed, int rows) {
        SplittableRandom random = new SplittableRandom(seed);
        String[] origins = {"USA", "Europe", "Japan", "Korea"};
        StringBuilder csv = new StringBuilder("id,origin,turbo,hp,built,efficiency\n");
        for (int i = 0; i < rows; i++) {
            String origin = origins[random.nextInt(origins.length)];
            boolean turbo = random.nextBoolean();
            double hp = 60 + random.nextInt(160) + (origin.equals("USA") ? 40 : 0);
            LocalDate built = LocalDate.of(1990, 1, 1).plusDays(random.nextInt(12_000));
            double score = -hp / 50 + (origin.equals("Japan") ? 1.5 : 0) + (built.getYear() - 2000) / 10.0
                    + (turbo ? -0.5 : 0) + random.nextGaussian() * 0.7;
            String label = score > -1 ? "high" : score > -2.5 ? "medium" : "low";
            csv.append("car-").append(i).append(',')
                    .append(random.nextInt(10) == 0 ? "" : origin).append(',')
                    .append(turbo ? "yes" : "no").append(',')
                    .append(random.nextInt(8) == 0 ? (random.nextBoolean() ? "NA" : "") : String.valueOf(hp)).append(',')
                    .append(random.nextInt(12) == 0 ? "" : random.nextInt(3) == 0 ? built + "T08:30:00" : built.toString())
                    .append(',').append(label).append('\n');
        }
        return csv.toString();
    }

    @ParameterizedTest
    @CsvSource({
        "decision_tree, 11, 200",
        "decision_tree, 12, 60",
        "random_forest, 13, 300",
        "random_forest, 14, 90",
        "logistic_regression, 15, 250",
        "logistic_regression, 16, 80",
    })
    void export_whenTheTableHasTextBlanksAndDates_agreesWithTribuoOnEveryRawRow(String name, long seed, int rows) {
        TabularDataset data = TabularDataset.parseCsv(carsCsv(seed, rows), Optional.empty());
        Algorithm algorithm = Algorithm.parse(name);
        Map<String, Object> params = algorithm.candidates(Map.of(), data.featureNames().size(), false).get(0);
        Model<Label> model = algorithm.trainer(params, seed, data.featureNames().size(), data.size())
                .train(TribuoData.dataset(data, null));
        byte[] encoded = algorithm.isLinear()
                ? LinearOnnxExporter.export(model, data.featureNames(), data.classes())
                : TreeOnnxExporter.export(model, data.featureNames(), data.classes());

        byte[] onnx = OnnxPreprocessing.wrap(encoded, data.schema());

        assertThat(data.schema().types()).containsEntry("id", TableSchema.Type.ID)
                .containsEntry("origin", TableSchema.Type.CATEGORICAL).containsEntry("turbo", TableSchema.Type.BOOLEAN)
                .containsEntry("hp", TableSchema.Type.NUMERIC).containsEntry("built", TableSchema.Type.DATE);
        assertThat(ExportVerifier.verify(onnx, model, data)).isEqualTo(rows);
    }

    @ParameterizedTest
    @CsvSource({"decision_tree", "random_forest", "logistic_regression"})
    void export_whenACategoryIsUnseenOrBlank_encodesItAsTribuoDoesTheEncodedRow(String name) {
        TabularDataset data = TabularDataset.parseCsv(carsCsv(21, 150), Optional.empty());
        Algorithm algorithm = Algorithm.parse(name);
        Map<String, Object> params = algorithm.candidates(Map.of(), data.featureNames().size(), false).get(0);
        Model<Label> model = algorithm.trainer(params, 21, data.featureNames().size(), data.size())
                .train(TribuoData.dataset(data, null));
        byte[] onnx = OnnxPreprocessing.wrap(algorithm.isLinear()
                ? LinearOnnxExporter.export(model, data.featureNames(), data.classes())
                : TreeOnnxExporter.export(model, data.featureNames(), data.classes()), data.schema());
        List<List<String>> raw = List.of(
                List.of("car-x", "Mars", "maybe", "150", "2031-05-05"),
                List.of("", "", "", "", ""),
                List.of("car-y", "None", "NA", "null", "NaN"),
                List.of("car-z", "Japan", "yes", "99.5", "2001-02-03T04:05:06"));
        double[][] rows = raw.stream().map(r -> data.schema().encode(r)).toArray(double[][]::new);
        TabularDataset probe = new TabularDataset(data.featureNames(), data.target(), rows,
                List.of("high", "high", "high", "high"), data.schema(), raw);

        assertThat(ExportVerifier.verify(onnx, model, probe)).isEqualTo(4);
        // Mars and maybe are unseen: no one-hot feature set for origin or turbo
        int origin = data.featureNames().indexOf("origin=Japan");
        assertThat(rows[0][origin]).isZero();
        assertThat(rows[0]).doesNotContain(Double.NaN);
    }

    @ParameterizedTest
    @CsvSource({"decision_tree", "random_forest", "linear_regression"})
    void exportRegressor_whenTheTableHasTextBlanksAndDates_agreesWithTribuoOnEveryRawRow(String name) {
        // the numeric hp as the target; efficiency (text) becomes a categorical feature
        // (rows whose hp is blank dropped: a target is never blank; origin and built keep their blanks)
        String csv = carsCsv(31, 200).lines().filter(l -> !TableSchema.isBlank(l.split(",", -1)[3]))
                .reduce("", (a, b) -> a + b + "\n");
        TabularDataset data = TabularDataset.parseCsv(csv, Optional.of("hp"), false);
        Algorithm algorithm = Algorithm.parse(name);
        List<Map<String, Object>> candidates = algorithm.candidates(Map.of(), data.featureNames().size(), true);
        var result = RegressionSearch.run(data, algorithm, candidates.subList(0, 1), 3, 31, (done, total) -> { });
        byte[] onnx = OnnxPreprocessing.wrap(algorithm.isLinear()
                ? LinearOnnxExporter.exportRegressor(result.model(), data.featureNames())
                : TreeRegressorOnnxExporter.export(result.model(), data.featureNames()), data.schema());

        assertThat(data.schema().types()).containsEntry("efficiency", TableSchema.Type.CATEGORICAL)
                .containsEntry("origin", TableSchema.Type.CATEGORICAL).containsEntry("built", TableSchema.Type.DATE);
        assertThat(data.schema().columns().stream().filter(c -> c.name().equals("origin")).findFirst().orElseThrow()
                .blanks()).isPositive();
        assertThat(ExportVerifier.verifyRegressor(onnx, result.model(), data)).isEqualTo(data.size());
    }

    @ParameterizedTest
    @CsvSource({"decision_tree", "random_forest", "logistic_regression"})
    void export_whenTheTableHasBlanksAndDatesButNoText_keepsOneInputWithNaNForBlanks(String name) {
        String csv = carsCsv(41, 160).lines().map(l -> l.substring(l.indexOf(',') + 1)) // drop the id
                .map(l -> l.replaceFirst("^[^,]*,[^,]*,", "")) // drop origin and turbo
                .reduce("", (a, b) -> a + b + "\n");
        TabularDataset data = TabularDataset.parseCsv(csv, Optional.empty());
        Algorithm algorithm = Algorithm.parse(name);
        Map<String, Object> params = algorithm.candidates(Map.of(), data.featureNames().size(), false).get(0);
        Model<Label> model = algorithm.trainer(params, 41, data.featureNames().size(), data.size())
                .train(TribuoData.dataset(data, null));
        byte[] onnx = OnnxPreprocessing.wrap(algorithm.isLinear()
                ? LinearOnnxExporter.export(model, data.featureNames(), data.classes())
                : TreeOnnxExporter.export(model, data.featureNames(), data.classes()), data.schema());

        assertThat(data.schema().hasText()).isFalse();
        assertThat(data.schema().plain()).isFalse();
        assertThat(OnnxPreprocessing.numericInput(data.schema())).isEqualTo(TreeOnnxExporter.INPUT);
        assertThat(data.featureNames()).containsExactly("hp", "built.year", "built.month", "built.day", "built.weekday");
        assertThat(ExportVerifier.verify(onnx, model, data)).isEqualTo(160);
    }
}
