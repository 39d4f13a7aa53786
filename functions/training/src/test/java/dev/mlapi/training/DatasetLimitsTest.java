package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.mlapi.core.config.Environment;
import dev.mlapi.core.error.ApiException.InvalidInput;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A training table read from a stream within {@code TRAINING_MAX_ROWS} and {@code TRAINING_MAX_COLUMNS}:
 * the 400 names the limit, its setting and the number found; the stream is read once (digested in
 * the same pass), and a stored dataset's header is checked without its rows.
 */
class DatasetLimitsTest {

    static final DatasetLimits SMALL = new DatasetLimits(10, 3);

    static TabularDataset parse(Reader csv, DatasetLimits limits) {
        return TabularDataset.parseCsv(csv, Optional.empty(), true, TableSchema.Overrides.NONE, limits);
    }

    @Test
    void parseCsv_whenRowsExceedTheLimit_namesTheLimitAndCountsEveryDataRow() {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 25; i++) {
            csv.append(i).append(',').append(i * 2).append(',').append(i % 2).append(i == 12 ? "\n\n" : "\n");
        }
        InvalidInput refused = catchThrowableOfType(() -> parse(new StringReader(csv.toString()), SMALL),
                InvalidInput.class);
        assertThat(refused.detail())
                .isEqualTo("dataset.csv: has 25 data rows; a training table has at most 10 (TRAINING_MAX_ROWS)");
        assertThat(refused.errors().get(0).field()).isEqualTo("dataset.csv");
    }

    @Test
    void parseCsv_atTheLimit_readsEveryRow() {
        StringBuilder csv = new StringBuilder("a,b,label\n");
        for (int i = 0; i < 10; i++) {
            csv.append(i).append(',').append(i * 2).append(',').append(i % 2).append('\n');
        }
        assertThat(parse(new StringReader(csv.toString()), SMALL).size()).isEqualTo(10);
    }

    @Test
    void parseCsv_whenColumnsExceedTheLimit_namesTheLimitAndTheColumnsFound() {
        InvalidInput refused = catchThrowableOfType(() -> parse(new StringReader("a,b,c,label\n1,2,3,x\n"), SMALL),
                InvalidInput.class);
        assertThat(refused.detail()).isEqualTo(
                "dataset.csv: row 1: the header has 4 columns; a training table has at most 3 (TRAINING_MAX_COLUMNS)");
    }

    @Test
    void limits_areReadFromTheFunctionsSettings_withDefaults() {
        assertThat(DatasetLimits.from(Environment.of(Map.of()))).isEqualTo(DatasetLimits.DEFAULTS);
        assertThat(DatasetLimits.from(Environment.of(Map.of("TRAINING_MAX_ROWS", "500", "TRAINING_MAX_COLUMNS", "40"))))
                .isEqualTo(new DatasetLimits(500, 40));
    }

    @Test
    void trainSpec_fromAStream_isTheInlineSpec_withTheDigestOfTheBytes() {
        String csv = "\uFEFFa;b;colour;label\r\n1,5;2;red;x\r\n".replace("1,5", "1.5")
                + "2;3;;y\r\n3;1;blue;x\r\n4;0;red;y\r\n5;2;blue;x\r\n6;1;red;y\r\n";
        String request = "{\"model_name\":\"m\",\"algorithm\":\"decision_tree\",\"target\":\"label\",\"cv_folds\":2}";
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        InputStream[] opened = new InputStream[1];
        TrainSpec streamed = TrainSpec.parse(dev.mlapi.core.json.Json.readTree(request.getBytes(StandardCharsets.UTF_8)),
                () -> opened[0] = new ByteArrayInputStream(bytes), Optional.of("ds-1"), DatasetLimits.DEFAULTS);
        TrainSpec inline = TrainSpec.parse(dev.mlapi.core.json.Json.readTree(("{\"model_name\":\"m\",\"algorithm\":"
                + "\"decision_tree\",\"target\":\"label\",\"cv_folds\":2,\"dataset\":{\"csv\":"
                + dev.mlapi.core.json.Json.writeString(csv) + "}}").getBytes(StandardCharsets.UTF_8)), id -> null);

        assertThat(streamed.datasetSha256()).isEqualTo(dev.mlapi.registry.ModelFile.sha256Hex(bytes))
                .isEqualTo(inline.datasetSha256());
        assertThat(streamed.datasetId()).contains("ds-1");
        assertThat(streamed.dataset().featureNames()).isEqualTo(inline.dataset().featureNames())
                .contains("a", "b", "colour=blue", "colour=red");
        assertThat(streamed.dataset().rows()).isDeepEqualTo(inline.dataset().rows());
        assertThat(streamed.dataset().rawRow(0)).containsExactly("1.5", "2", "red");
        assertThat(streamed.dataset().rawRow(1)).containsExactly("2", "3", "");
        assertThat(streamed.dataset().targets()).isEqualTo(inline.dataset().targets());
    }

    @Test
    void checkHeader_checksNamesTargetOverridesAndWidth_fromTheFirstLineOnly() {
        String head = "a,b,label\n1,2,x\n3,not-a-number-here-but-unread";
        assertThat(TabularDataset.checkHeader(head, false, Optional.of("label"), TableSchema.Overrides.NONE, SMALL))
                .containsExactly("a", "b");
        assertThat(catchThrowableOfType(() -> TabularDataset.checkHeader(head, false, Optional.of("y"),
                TableSchema.Overrides.NONE, SMALL), InvalidInput.class).detail())
                .contains("column 'y' is not in the header");
        assertThat(catchThrowableOfType(() -> TabularDataset.checkHeader(head, false, Optional.empty(),
                new TableSchema.Overrides(Map.of(), Optional.of(List.of("c")), List.of()), SMALL),
                InvalidInput.class).detail()).contains("features", "'c'");
        assertThat(catchThrowableOfType(() -> TabularDataset.checkHeader("a,b,c,label\n", false, Optional.empty(),
                TableSchema.Overrides.NONE, SMALL), InvalidInput.class).detail()).contains("TRAINING_MAX_COLUMNS");
        assertThat(catchThrowableOfType(() -> TabularDataset.checkHeader("a,b,lab", false, Optional.empty(),
                TableSchema.Overrides.NONE, SMALL), InvalidInput.class).detail()).contains("the header is longer");
        assertThat(TabularDataset.checkHeader("a,b,label", true, Optional.empty(), TableSchema.Overrides.NONE, SMALL))
                .containsExactly("a", "b");
    }
}
