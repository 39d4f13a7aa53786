package dev.mlapi.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How {@link TabularDataset#parseCsv} reads real-world CSV files: quotes, delimiters, BOMs, line ends. */
class CsvReadingTest {

    static TabularDataset read(String csv) {
        return TabularDataset.parseCsv(csv, Optional.empty());
    }

    static String refused(String csv) {
        return catchThrowableOfType(() -> read(csv), InvalidInput.class).detail();
    }

    @Test
    void parseCsv_whenSemicolonSeparatedWithDecimalPoints_readsTheColumns() {
        TabularDataset data = read("sepal;petal;kind\n1.5;2.25;a\n3.5;4.75;b\n");

        assertThat(data.featureNames()).containsExactly("sepal", "petal");
        assertThat(data.rows()).isDeepEqualTo(new double[][] {{1.5, 2.25}, {3.5, 4.75}});
        assertThat(data.targets()).containsExactly("a", "b");
    }

    @Test
    void parseCsv_whenSemicolonFileHasDecimalCommas_namesTheCellAndSaysToUseAPoint() {
        assertThat(refused("sepal;petal;kind\n1,5;2;a\n3;4;b\n"))
                .contains("row 2, column 'sepal': '1,5' is not a number (write decimals with a point: '1.5')");
    }

    @Test
    void parseCsv_whenTabSeparated_readsTheColumns() {
        TabularDataset data = read("x\ty\tkind\n0.1\t0.2\tsmall, round\n0.9\t0.8\tbig\n");

        assertThat(data.featureNames()).containsExactly("x", "y");
        assertThat(data.rows()).isDeepEqualTo(new double[][] {{0.1, 0.2}, {0.9, 0.8}});
        assertThat(data.targets()).containsExactly("small, round", "big");
    }

    @Test
    void parseCsv_whenHeaderSplitsEquallyOrHasDelimitersOnlyInsideQuotes_choosesByTheUnquotedCount() {
        assertThat(read("\"a;b\",kind\n1,x\n2,y\n").featureNames()).containsExactly("a;b");
        assertThat(read("\"a,b\";\"c,d\";kind\n1;2;x\n3;4;y\n").featureNames()).containsExactly("a,b", "c,d");
        assertThat(read("a;b,kind\n1,x\n3,y\n").featureNames()).containsExactly("a;b");
    }

    @Test
    void parseCsv_whenByteOrderMarkAndCrlfAndBlankLastLine_readsTheFileAsPlainText() {
        TabularDataset data = read("\uFEFFx,y,kind\r\n0.1,0.2,a\r\n0.9,0.8,b\r\n\r\n");

        assertThat(data.featureNames()).containsExactly("x", "y");
        assertThat(data.targets()).containsExactly("a", "b");
    }

    @Test
    void parseCsv_whenCrlfFileHasABadCell_namesItsLine() {
        assertThat(refused("\uFEFFx,y,kind\r\n0.1,0.2,a\r\n\r\n0.9,oops,b\r\n"))
                .contains("row 4, column 'y': 'oops' is not a number");
    }

    @Test
    void parseCsv_whenQuotedFieldsHoldCommasQuotesAndNewlines_keepsThemInTheCell() {
        TabularDataset data = read("\"x, cm\",y,label\n0.1,0.2,\"first\nsecond\"\n0.9,0.8,\"say \"\"hi\"\", then go\"\n");

        assertThat(data.featureNames()).containsExactly("x, cm", "y");
        assertThat(data.targets()).containsExactly("first\nsecond", "say \"hi\", then go");
        assertThat(data.classes()).hasSize(2);
    }

    @Test
    void parseCsv_afterARecordSpanningLines_namesRowsByTheLineTheyStartOn() {
        String csv = "x,label\n1,\"two\nlines\"\n2,b\nabc,c\n";

        assertThat(refused(csv)).contains("row 5, column 'x': 'abc' is not a number");
        assertThat(refused("x,label\n1,a\nabc,\"two\nlines\"\n")).contains("row 3, column 'x': 'abc' is not a number");
    }

    @Test
    void parseCsv_whenAQuoteIsNeverClosed_refusesNamingTheLineInsteadOfMergingTheRest() {
        String detail = refused("x,label\n1,a\n2,\"b\n3,c\n4,d\n");

        assertThat(detail).contains("line 3: a quoted field is not closed");
    }

    @Test
    void parseCsv_whenTheHeaderHasAnUnclosedQuote_refusesNamingLineOne() {
        assertThat(refused("x,\"label\n1,a\n2,b\n")).contains("line 1: a quoted field is not closed");
    }

    @Test
    void parseCsv_whenTextFollowsAClosingQuote_refusesNamingTheLine() {
        assertThat(refused("x,label\n1,a\n2,\"b\"c\n")).contains("line 3: a quoted field is followed by more text");
    }

    @Test
    void parseCsv_whenAHeaderNameRepeats_namesItAndBothColumns() {
        assertThat(refused("x,y,x,kind\n1,2,3,a\n4,5,6,b\n")).contains("row 1: column 'x' appears twice (columns 1 and 3)");
        assertThat(refused("x;y;\"y\";kind\n1;2;3;a\n4;5;6;b\n")).contains("column 'y' appears twice (columns 2 and 3)");
    }

    @Test
    void parseCsv_whenARegressionTargetIsNotANumberAfterBlankOrSpanningLines_namesItsLine() {
        assertThat(regressionRefused("x;y\n1;2\n\n\n3;abc\n"))
                .contains("row 5, column 'y': 'abc' is not a number, and regression needs numeric targets");
        assertThat(regressionRefused("\"x\ncm\",y\n\"1\n\",0.5\n2,abc\n"))
                .contains("row 5, column 'y': 'abc' is not a number, and regression needs numeric targets");
    }

    static String regressionRefused(String csv) {
        return catchThrowableOfType(() -> TabularDataset.parseCsv(csv, Optional.empty(), false), InvalidInput.class).detail();
    }

    @Test
    void parseCsv_whenCellsHaveSurroundingSpaces_ignoresThem() {
        TabularDataset data = read(" x , y ,kind\n 0.1 ,\t0.2 , a \n0.9, \"0.8\" ,b\n");

        assertThat(data.featureNames()).containsExactly("x", "y");
        assertThat(data.rows()).isDeepEqualTo(new double[][] {{0.1, 0.2}, {0.9, 0.8}});
        assertThat(data.targets()).containsExactly("a", "b");
    }

    @Test
    void parseCsv_keepsTheExistingChecks() {
        assertThat(refused("x,,kind\n1,2,a\n")).contains("row 1, column 2: the header has a blank column name");
        assertThat(refused("x;y;kind\n1;2;a\n3;4\n")).contains("row 3: has 2 cells, the header has 3");
        assertThat(refused("x\tkind\n1\ta\n2\ta\n")).contains("single class ('a')");
        assertThat(refused("\uFEFF")).contains("is empty");
        assertThat(catchThrowableOfType(() -> TabularDataset.parseCsv("x;kind\n1;a\n2;b\n", Optional.of("label")),
                InvalidInput.class).detail()).contains("column 'label' is not in the header [x, kind]");
    }
}
