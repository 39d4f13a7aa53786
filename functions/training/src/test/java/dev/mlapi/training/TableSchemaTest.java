package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class TableSchemaTest {

    private static TableSchema infer(List<String> names, String... rows) {
        List<List<String>> cells = new ArrayList<>();
        for (String row : rows) {
            cells.add(Arrays.asList(row.split(",", -1)));
        }
        return TableSchema.infer(names, cells, LongStream.rangeClosed(2, rows.length + 1).boxed().toList(),
                TableSchema.Overrides.NONE, ',');
    }

    @Test
    void infer_typesNumbersBooleansDatesTextAndIds() {
        TableSchema schema = infer(List.of("n", "b", "d", "c", "id"),
                "1.5,yes,2024-01-01,red,a1", "NA,No,2024-02-29T10:00:00,,a2", "3,yes,,blue,a3", "none,no,null,red,a4");

        assertThat(schema.types()).containsEntry("n", TableSchema.Type.NUMERIC)
                .containsEntry("b", TableSchema.Type.BOOLEAN).containsEntry("d", TableSchema.Type.DATE)
                .containsEntry("c", TableSchema.Type.CATEGORICAL).containsEntry("id", TableSchema.Type.ID);
        assertThat(schema.plain()).isFalse();
        assertThat(schema.columns().get(4).describe().get("encoding").toString()).contains("an id");
    }

    @Test
    void encode_imputesMediansAndModesAndLeavesAnUnseenCategoryAllZeros() {
        TableSchema schema = infer(List.of("n", "d", "c"),
                "1,2024-01-01,red", "2,2024-01-03,blue", ",,", "10,2024-01-05,red");

        // n: median of 1, 2, 10 is 2; d: 2024-01-03 is a Wednesday (3); c: red is most frequent.
        assertThat(schema.encodedNames()).containsExactly("n", "d.year", "d.month", "d.day", "d.weekday", "c=blue",
                "c=red");
        assertThat(schema.encode(List.of("", "", ""))).containsExactly(2, 2024, 1, 3, 3, 0, 1);
        assertThat(schema.encode(List.of("4", "2024-12-25", "green"))).containsExactly(4, 2024, 12, 25, 3, 0, 0);
        assertThat(schema.numericPart(List.of("NaN", "", "x"))[0]).isNaN();
        assertThat(schema.textPart(List.of("1", "", " None "))).containsExactly("");
    }

    @Test
    void infer_whenAllNumericWithoutBlanks_isPlain() {
        TableSchema schema = infer(List.of("x", "y"), "1,2", "3,4");

        assertThat(schema.plain()).isTrue();
        assertThat(schema.encodedNames()).containsExactly("x", "y");
    }

    @Test
    void infer_whenACategoricalColumnHoldsNumbers_comparesThemAsNumbers() {
        List<List<String>> rows = List.of(new TableSchema.NumericRow(new double[] {130, 1}),
                Arrays.asList("130.0", "x"), Arrays.asList("1.50", "y"), Arrays.asList("", "z"));
        TableSchema schema = TableSchema.infer(List.of("code", "other"), rows, List.of(2L, 3L, 4L, 5L),
                new TableSchema.Overrides(java.util.Map.of("code", "categorical"), java.util.Optional.empty(),
                        List.of("other")), ',');

        assertThat(schema.encodedNames()).containsExactly("code=1.5", "code=130");
        assertThat(schema.encode(List.of("1.5", "q"))).containsExactly(1, 0);
        assertThat(schema.encode(List.of("", "q"))).as("a blank takes the mode, 130").containsExactly(0, 1);
    }

    @Test
    void parseCsv_whenAllNumeric_keepsTheParsedRowsAsTheyAre() {
        TabularDataset data = TabularDataset.parseCsv("x,y,k\n1,2,a\n3,4,b\n", java.util.Optional.empty());

        assertThat(data.raw()).isNull();
        assertThat(data.rows()[1]).containsExactly(3, 4);
        assertThat(data.schema().plain()).isTrue();
    }
}
