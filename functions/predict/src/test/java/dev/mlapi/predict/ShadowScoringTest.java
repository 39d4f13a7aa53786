package dev.mlapi.predict;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** When a shadow's answers agree with the stable version's: pure logic, no storage. */
class ShadowScoringTest {

    static TabularModel.Output label(String label) {
        return new TabularModel.Output(label, Map.of(), null);
    }

    static TabularModel.Output value(double value) {
        return new TabularModel.Output(null, Map.of(), value);
    }

    @Test
    void agree_whenEveryLabelIsTheSame_isTrue_andOneDifferentLabelMakesItFalse() {
        assertThat(ShadowScoring.agree(List.of(label("setosa"), label("virginica")),
                List.of(label("setosa"), label("virginica")))).isTrue();
        assertThat(ShadowScoring.agree(List.of(label("setosa"), label("virginica")),
                List.of(label("setosa"), label("versicolor")))).isFalse();
        assertThat(ShadowScoring.agree(List.of(label("setosa")), List.of(label("setosa"), label("setosa")))).isFalse();
    }

    @Test
    void agree_forRegression_allowsOnePercentRelativeDifference() {
        assertThat(ShadowScoring.agree(List.of(value(100)), List.of(value(100.9)))).isTrue();
        assertThat(ShadowScoring.agree(List.of(value(100)), List.of(value(101.5)))).isFalse();
        assertThat(ShadowScoring.agree(List.of(value(0)), List.of(value(0)))).isTrue();
        assertThat(ShadowScoring.agree(List.of(value(1)), List.of(label("one")))).isFalse();
    }
}
