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
        "x,y,kind\\n0.1,,a\\n0.9,0.8,b|row 2, column 'y': missing value",
        "x,y,kind\\n0.1,abc,a\\n0.9,0.8,b|row 2, column 'y': 'abc' is not a number",
        "x,y,kind\\n0.1,0.2,a\\n0.9,0.8|row 3: has 2 cells, the header has 3",
        "x,x,kind\\n0.1,0.2,a\\n0.9,0.8,b|row 1: column 'x' appears twice",
        "x,y,kind\\n0.1,0.2,a\\n0.9,0.8,a|single class",
        "x,y,kind\\n0.1,NaN,a\\n0.9,0.8,b|row 2, column 'y': 'NaN' is not a finite number",
        "x,y,kind|no data rows",
    })
    void parse_whenCsvIsBad_namesRowAndColumn(String csv, String message) {
        InvalidInput error = refused(request(csv.replace("\\n", "\n")));

        assertThat(error.detail()).contains(message);
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
}
