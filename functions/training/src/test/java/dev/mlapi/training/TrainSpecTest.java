package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.json.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Everything {@code POST /train} refuses with a 400 before a job exists, and what it accepts. */
class TrainSpecTest {

    static final String CSV = "x,y,kind\n0.1,0.2,a\n0.9,0.8,b\n0.2,0.1,a\n0.7,0.9,b\n0.3,0.3,a\n0.8,0.6,b\n";

    static Map<String, Object> request(String csv) {
        Map<String, Object> request = new HashMap<>();
        request.put("model_name", "toy");
        request.put("algorithm", "decision_tree");
        request.put("dataset", Map.of("csv", csv));
        request.put("params", Map.of("max_depth", List.of(1, 2)));
        request.put("cv_folds", 2);
        request.put("seed", 1);
        return request;
    }

    static InvalidInput refused(Map<String, Object> request) {
        return catchThrowableOfType(() -> TrainSpec.parse(Json.write(request)), InvalidInput.class);
    }

    @Test
    void parse_whenValid_expandsTheGridAndCountsFits() {
        TrainSpec spec = TrainSpec.parse(Json.write(request(CSV)));

        assertThat(spec.dataset().featureNames()).containsExactly("x", "y");
        assertThat(spec.dataset().target()).isEqualTo("kind");
        assertThat(spec.candidates()).hasSize(2);
        assertThat(spec.totalFits()).isEqualTo(5);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "x,y,kind\\n0.1,0.2,\\n0.9,0.8,b|row 2, column 'kind': the target is missing",
        "x,y,kind\\n0.1,abc,a\\n0.9,0.8,b|row 2, column 'y': 'abc' is not a number",
        "x,y,kind\\n0.1,0.2,a\\n0.9,0.8|row 3: has 2 cells, the header has 3",
        "x,x,kind\\n0.1,0.2,a\\n0.9,0.8,b|row 1: column 'x' appears twice",
        "x,y,kind\\n0.1,0.2,a\\n0.9,0.8,a|single class",
        "x,y,kind\\n0.1,Infinity,a\\n0.9,0.8,b|row 2, column 'y': 'Infinity' is not a finite number",
        "x,y,kind|no data rows",
    })
    void parse_whenCsvIsBad_namesRowAndColumn(String csv, String message) {
        InvalidInput error = refused(request(csv.replace("\\n", "\n")));

        assertThat(error.detail()).contains(message);
    }

    static final String TABLE = "origin,hp,made,id,kind\n"
            + "USA,130,2020-01-06,c1,a\nEurope,,2021-03-02,c2,b\nJapan,95,,c3,a\nUSA,NA,2019-12-31,c4,b\n";

    @Test
    void parse_whenTableHasTextBlanksDatesAndIds_typesEveryColumnWithoutOptions() {
        TrainSpec spec = TrainSpec.parse(Json.write(request(TABLE)));

        assertThat(spec.dataset().schema().types()).containsEntry("origin", TableSchema.Type.CATEGORICAL)
                .containsEntry("hp", TableSchema.Type.NUMERIC).containsEntry("made", TableSchema.Type.DATE)
                .containsEntry("id", TableSchema.Type.ID);
        assertThat(spec.dataset().featureNames()).containsExactly("hp", "made.year", "made.month", "made.day",
                "made.weekday", "origin=Europe", "origin=Japan", "origin=USA");
    }

    @Test
    void parse_whenALinearModelMeetsAConstantEncodedFeature_acceptsIt() {
        Map<String, Object> request = request("when,kind\n2024-01-02,a\n2024-03-04,b\n2024-05-06,a\n2024-07-08,b\n");
        request.put("algorithm", "logistic_regression");
        request.remove("params");

        TrainSpec spec = TrainSpec.parse(Json.write(request));

        assertThat(spec.dataset().featureNames()).contains("when.year");
    }

    @Test
    void parse_whenARandomForestMeetsOneFeature_isA400NamingTheAlgorithm() {
        // Tribuo's forests try a fraction of the features at each split, which one feature cannot
        // give: the job used to be accepted and then fail in the worker
        Map<String, Object> request = request("x,kind\n0.1,a\n0.2,a\n0.8,b\n0.9,b\n");
        request.put("algorithm", "random_forest");
        request.put("params", Map.of("n_estimators", List.of(5)));

        InvalidInput error = refused(request);

        assertThat(error).isNotNull();
        assertThat(error.errors().get(0).field()).isEqualTo("algorithm");
        assertThat(error.detail()).contains("at least 2 features").contains("decision_tree");
    }

    @Test
    void parse_whenANumericOverrideMeetsText_isA400NamingTheColumnAndAValue() {
        Map<String, Object> request = request(TABLE);
        request.put("columns", Map.of("origin", "numeric"));

        InvalidInput error = refused(request);

        assertThat(error.errors().get(0).field()).isEqualTo("columns.origin");
        assertThat(error.detail()).contains("column 'origin'").contains("'USA' is not a number");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "columns|{\"weight\": \"numeric\"}|column 'weight' is not a feature column",
        "columns.origin|{\"origin\": \"text\"}|must be one of",
        "features|[\"hp\", \"nope\"]|column 'nope' is not a feature column",
        "exclude|[\"kind\"]|column 'kind' is not a feature column",
        "columns.made|{\"made\": \"date\", \"origin\": \"date\"}|is not an ISO-8601 date",
    })
    void parse_whenAnOverrideIsWrong_namesTheField(String field, String value, String message) throws Exception {
        Map<String, Object> request = request(TABLE);
        String key = field.contains(".") ? field.substring(0, field.indexOf('.')) : field;
        request.put(key, Json.mapper().readValue(value, Object.class));

        InvalidInput error = refused(request);

        assertThat(error.detail()).contains(message);
        assertThat(error.errors().get(0).field()).startsWith(key);
    }

    @Test
    void parse_whenFeaturesAndExcludeSelectColumns_usesOnlyThose() {
        Map<String, Object> request = request(TABLE);
        request.put("features", List.of("origin", "hp", "id"));
        request.put("exclude", List.of("id"));
        request.put("columns", Map.of("hp", "categorical"));

        TrainSpec spec = TrainSpec.parse(Json.write(request));

        assertThat(spec.dataset().featureNames()).containsExactly("origin=Europe", "origin=Japan", "origin=USA",
                "hp=130", "hp=95");
        assertThat(spec.dataset().schema().types()).containsEntry("made", TableSchema.Type.IGNORE)
                .containsEntry("id", TableSchema.Type.IGNORE);
    }

    @Test
    void parse_whenUnknownTarget_namesIt() {
        Map<String, Object> request = request(CSV);
        request.put("target", "species");

        assertThat(refused(request).errors().get(0).field()).isEqualTo("target");
    }

    @Test
    void parse_whenUnknownParameter_listsTheSupportedOnes() {
        Map<String, Object> request = request(CSV);
        request.put("params", Map.of("n_neighbors", List.of(3)));

        InvalidInput error = refused(request);
        assertThat(error.errors().get(0).field()).isEqualTo("params.n_neighbors");
        assertThat(error.detail()).contains("max_depth", "min_samples_leaf", "criterion");
    }

    @Test
    void parse_whenBadParameterValue_namesIt() {
        Map<String, Object> request = request(CSV);
        request.put("params", Map.of("max_depth", List.of(0)));

        assertThat(refused(request).errors().get(0).field()).isEqualTo("params.max_depth");
    }

    @Test
    void parse_whenFewerRowsThanFolds_refuses() {
        Map<String, Object> request = request(CSV);
        request.put("cv_folds", 10);

        assertThat(refused(request).detail()).contains("10 folds need at least 10 rows");
    }

    @Test
    void parse_whenUnknownAlgorithmOrField_namesIt() {
        Map<String, Object> request = request(CSV);
        request.put("algorithm", "svm");
        assertThat(refused(request).errors().get(0).field()).isEqualTo("algorithm");

        Map<String, Object> extra = request(CSV);
        extra.put("epochs", 3);
        assertThat(refused(extra).errors().get(0).field()).isEqualTo("epochs");
    }

    @Test
    void parse_whenRegressionTargetIsNotNumeric_namesRowAndColumn() {
        Map<String, Object> request = request(CSV);
        request.put("task", "regression");

        assertThat(refused(request).detail()).contains("row 2, column 'kind': 'a' is not a number");
    }

    @Test
    void parse_whenRegressionCriterionOnAClassifier_refusesIt() {
        Map<String, Object> request = request(CSV);
        request.put("params", Map.of("criterion", List.of("squared_error")));

        assertThat(refused(request).errors().get(0).field()).isEqualTo("params.criterion");
    }

    static InvalidInput refusedJson(String json) {
        return catchThrowableOfType(() -> TrainSpec.parse(json.getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                InvalidInput.class);
    }

    static String body(String algorithm, String params) {
        return "{\"model_name\":\"toy\",\"algorithm\":\"" + algorithm + "\",\"dataset\":{\"csv\":"
                + Json.writeString(CSV) + "},\"params\":" + params + ",\"cv_folds\":2}";
    }

    static String range(int from, int to) {
        return java.util.stream.IntStream.rangeClosed(from, to).mapToObj(Integer::toString)
                .collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    @Test
    void parse_whenAParameterHasMoreThan100Values_refusesNamingItAndTheLimit() {
        InvalidInput error = refusedJson(body("decision_tree", "{\"max_depth\":" + range(1, 101) + "}"));

        assertThat(error).isNotNull();
        assertThat(error.errors().get(0).field()).isEqualTo("params.max_depth");
        assertThat(error.detail()).contains("101 values", "at most " + Algorithm.MAX_VALUES_PER_PARAMETER);
    }

    @Test
    void parse_whenTheGridIsTooBig_refusesNamingTheProductAndTheLimit_beforeBuildingIt() {
        InvalidInput error = refusedJson(body("random_forest", "{\"max_depth\":" + range(1, 64)
                + ",\"min_samples_leaf\":" + range(1, 100) + ",\"n_estimators\":" + range(1, 100) + "}"));

        assertThat(error).isNotNull();
        assertThat(error.errors().get(0).field()).isEqualTo("params");
        assertThat(error.detail()).contains("64 × 100 × 100 = 640000 candidates", "× 2 folds",
                "at most " + TrainSpec.MAX_FITS);
    }

    @Test
    void parse_whenAGridOfThousandsOfValuesIsSent_answersAtOnceWithoutExpandingIt() {
        InvalidInput error = refusedJson(body("decision_tree", "{\"max_depth\":" + range(1, 3000)
                + ",\"min_samples_leaf\":" + range(1, 3000) + "}"));

        assertThat(error.detail()).contains("3000 values", "at most 100");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "random_forest|n_estimators|4294967297|1..500",
        "decision_tree|max_depth|4294967297|1..64",
        "random_forest|max_depth|1e30|1..64",
        "decision_tree|max_depth|1.5|1..64",
        "decision_tree|max_depth|true|1..64",
        "decision_tree|max_depth|'\"3\"'|1..64",
        "decision_tree|max_depth|65|1..64",
        "decision_tree|min_samples_leaf|100001|1..100000",
        "decision_tree|min_samples_leaf|0|1..100000",
        "random_forest|n_estimators|501|1..500",
        "logistic_regression|max_iter|99999999999999999999|1..1000",
        "logistic_regression|C|1e400|",
        "logistic_regression|C|0|",
        "logistic_regression|C|'\"1\"'|",
        "random_forest|max_features|2.5|",
    })
    void parse_whenAParameterValueIsNotAnIntegerInItsRange_namesParameterValueAndRange(String algorithm,
            String parameter, String value, String allowed) {
        InvalidInput error = refusedJson(body(algorithm, "{\"" + parameter + "\":[" + value + "]}"));

        assertThat(error).as(parameter + " = " + value + " must be refused").isNotNull();
        assertThat(error.errors().get(0).field()).isEqualTo("params." + parameter);
        assertThat(error.detail()).contains(value.replace("\"", "").replace("1e30", "1.0E30").replace("1e400", "Infinity"));
        if (allowed != null) {
            assertThat(error.detail()).contains(allowed);
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "cv_folds|'\"3\"'",
        "cv_folds|3.0",
        "cv_folds|4294967299",
        "seed|'\"3\"'",
        "seed|1.5",
        "seed|true",
        "seed|-1",
        "seed|99999999999999999999",
        "deploy|'\"yes\"'",
        "deploy|1",
    })
    void parse_whenATopLevelNumberOrFlagHasTheWrongType_namesIt(String field, String value) {
        String json = body("decision_tree", "{\"max_depth\":[1,2]}");
        json = json.replace(",\"cv_folds\":2}", ",\"cv_folds\":2,\"" + field + "\":" + value + "}");
        if (field.equals("cv_folds")) {
            json = body("decision_tree", "{\"max_depth\":[1,2]}").replace("\"cv_folds\":2", "\"cv_folds\":" + value);
        }

        InvalidInput error = refusedJson(json);

        assertThat(error).as(field + " = " + value + " must be refused").isNotNull();
        assertThat(error.errors().get(0).field()).isEqualTo(field);
    }

    @Test
    void parse_keepsIntegersExact_andNullAsUnlimitedDepth() {
        TrainSpec spec = TrainSpec.parse(body("random_forest",
                "{\"max_depth\":[64,null],\"n_estimators\":[500],\"max_features\":[0.5,1]}")
                .replace("\"cv_folds\":2", "\"cv_folds\":2,\"seed\":4294967295")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));

        assertThat(spec.params().get("max_depth")).containsExactly(64, null);
        assertThat(spec.params().get("n_estimators")).containsExactly(500);
        assertThat(spec.seed()).isEqualTo(4294967295L);
        assertThat(spec.candidates()).hasSize(4);
    }

    /** 20 rows of "a" and 10 of "b". */
    static String thirtyRows() {
        StringBuilder csv = new StringBuilder("x,y,kind\n");
        for (int i = 0; i < 30; i++) {
            csv.append(i).append(',').append(i % 7).append(',').append(i % 3 == 0 ? "b" : "a").append('\n');
        }
        return csv.toString();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"0", "0.6", "-0.1", "1", "\"0.2\"", "true"})
    void parse_whenTestSizeIsOutOfRange_namesItAndTheRange(String value) {
        Map<String, Object> request = request(thirtyRows());
        request.put("test_size", Json.readTree(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        InvalidInput error = refused(request);

        assertThat(error.errors().get(0).field()).isEqualTo("test_size");
        assertThat(error.detail()).contains("(0, 0.5]");
    }

    @Test
    void parse_whenTheHeldOutPartWouldLackAClass_namesTestSize() {
        Map<String, Object> request = request(CSV);
        request.put("test_size", 0.1);

        InvalidInput error = refused(request);

        assertThat(error.errors().get(0).field()).isEqualTo("test_size");
        assertThat(error.detail()).contains("class 'a'", "without that class");
    }

    @Test
    void parse_whenTheTrainingPartIsSmallerThanTheFolds_namesTestSizeAndFolds() {
        Map<String, Object> request = request(CSV);
        request.put("cv_folds", 5);
        request.put("test_size", 0.5);

        InvalidInput error = refused(request);

        assertThat(error.errors().get(0).field()).isEqualTo("test_size");
        assertThat(error.detail()).contains("leaves 2 training rows", "5 folds");
    }

    @Test
    void split_isStratifiedAndSeeded() {
        Map<String, Object> request = request(thirtyRows());
        request.put("test_size", 0.2);
        TrainSpec spec = TrainSpec.parse(Json.write(request));

        HoldOut split = spec.split();

        TabularDataset heldOut = split.heldOut().orElseThrow();
        assertThat(heldOut.size()).isEqualTo(6);
        assertThat(heldOut.targets().stream().filter("b"::equals).count()).isEqualTo(2);
        assertThat(split.training().size()).isEqualTo(24);
        assertThat(spec.split().heldOut().orElseThrow().rows()).isEqualTo(heldOut.rows());
        request.put("seed", 2);
        assertThat(TrainSpec.parse(Json.write(request)).split().heldOut().orElseThrow().rows())
                .isNotEqualTo(heldOut.rows());
    }

    @Test
    void split_fitsMediansAndCategoriesOnTheTrainingRowsOnly() {
        StringBuilder csv = new StringBuilder("hp,zone,kind\n");
        for (int i = 0; i < 40; i++) {
            // the blanks need a median; zone 'z<i>' values are rare, so some fall only in the held-out part
            csv.append(i % 7 == 0 ? "" : Integer.toString(i * 3)).append(',').append(i % 2 == 0 ? "north" : "z" + i % 5)
                    .append(',').append(i % 2 == 0 ? "a" : "b").append('\n');
        }
        Map<String, Object> request = request(csv.toString());
        request.put("test_size", 0.25);
        HoldOut split = TrainSpec.parse(Json.write(request)).split();

        TabularDataset training = split.training();
        TabularDataset heldOut = split.heldOut().orElseThrow();
        double[] trainingHp = training.raw().stream().map(row -> row.get(0)).filter(cell -> !cell.isBlank())
                .mapToDouble(Double::parseDouble).toArray();
        TableSchema.Column hp = training.schema().columns().get(0);
        assertThat(hp.impute()[0]).isEqualTo(TableSchema.median(trainingHp));
        TableSchema.Column zone = training.schema().columns().get(1);
        assertThat(zone.categories()).containsExactlyElementsOf(
                training.raw().stream().map(row -> row.get(1)).distinct().sorted().toList());
        // the held-out part is encoded with the training part's fit: the same features, in the same order
        assertThat(heldOut.featureNames()).isEqualTo(training.featureNames());
        assertThat(heldOut.schema()).isSameAs(training.schema());
    }

    @Test
    void parse_withoutTestSize_holdsOutNothing() {
        TrainSpec spec = TrainSpec.parse(Json.write(request(thirtyRows())));

        assertThat(spec.testSize()).isZero();
        assertThat(spec.split().heldOut()).isEmpty();
        assertThat(spec.split().training().size()).isEqualTo(30);
        assertThat(spec.classWeight()).isEqualTo(ClassWeight.NONE);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"\"auto\"", "\"Balanced\"", "1", "{}"})
    void parse_whenClassWeightIsNotBalanced_namesItAndTheAllowedValues(String value) {
        Map<String, Object> request = request(CSV);
        request.put("class_weight", Json.readTree(value.getBytes(java.nio.charset.StandardCharsets.UTF_8)));

        InvalidInput error = refused(request);

        assertThat(error.errors().get(0).field()).isEqualTo("class_weight");
        assertThat(error.detail()).contains("\"balanced\" or null");
    }

    @Test
    void parse_classWeight_balancedForClassificationOnly() {
        Map<String, Object> request = request(CSV);
        request.put("class_weight", "balanced");
        assertThat(TrainSpec.parse(Json.write(request)).classWeight()).isEqualTo(ClassWeight.BALANCED);
        request.put("class_weight", null);
        assertThat(TrainSpec.parse(Json.write(request)).classWeight()).isEqualTo(ClassWeight.NONE);

        request.put("class_weight", "balanced");
        request.put("task", "regression");
        request.put("dataset", Map.of("csv", "x,y\n1,2\n2,4\n3,6\n4,8\n"));
        request.put("params", Map.of());
        assertThat(refused(request).errors().get(0).field()).isEqualTo("class_weight");
    }
}
