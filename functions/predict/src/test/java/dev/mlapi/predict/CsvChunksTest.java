package dev.mlapi.predict;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/** Chunks of whole rows by byte ranges: every chunk parses alone to exactly its rows, in order. */
class CsvChunksTest {

    static CsvChunks.Plan plan(String csv, int rows) {
        return CsvChunks.plan(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), rows, 1_000);
    }

    /** Every chunk's bytes parsed by Commons CSV on their own, concatenated: the data rows of the whole. */
    static void assertChunksAreTheRows(String csv, int rowsPerChunk) throws Exception {
        byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
        CsvChunks.Plan plan = plan(csv, rowsPerChunk);
        List<List<String>> fromChunks = new ArrayList<>();
        long expectedFirst = 1;
        for (CsvChunks.Chunk chunk : plan.chunks()) {
            String text = new String(Arrays.copyOfRange(bytes, (int) chunk.start(), (int) chunk.end()),
                    StandardCharsets.UTF_8);
            List<CSVRecord> records = parse(text);
            assertThat(records).as("chunk %d", chunk.index()).hasSize(chunk.rows());
            assertThat(chunk.firstRow()).isEqualTo(expectedFirst);
            expectedFirst += chunk.rows();
            records.forEach(r -> fromChunks.add(r.toList()));
        }
        List<List<String>> whole = new ArrayList<>();
        parse(csv).stream().skip(1).forEach(r -> whole.add(r.toList()));
        assertThat(fromChunks).isEqualTo(whole);
        assertThat(plan.rows()).isEqualTo(whole.size());
    }

    static List<CSVRecord> parse(String text) throws Exception {
        try (CSVParser parser = CSVParser.parse(new StringReader(text), CSVFormat.DEFAULT)) {
            return parser.getRecords();
        }
    }

    @Test
    void quotedNewlinesCommasAndDoubledQuotes_stayInTheirRow() throws Exception {
        String csv = "a,b,note\n1,2,\"x\ny\"\n3,4,\"he said \"\"hi,\nthere\"\"\"\n5,6,plain\n7,8,\"\n\n\"\n9,10,end\n";
        for (int rows = 1; rows <= 6; rows++) {
            assertChunksAreTheRows(csv, rows);
        }
        assertThat(plan(csv, 2).chunks()).hasSize(3);
    }

    @Test
    void crlfLines_noFinalLineFeed_emptyLines_andMultiByteText_areHandled() throws Exception {
        assertChunksAreTheRows("a,b\r\n1,é\r\n2,日本\r\n3,\"ü\r\nß\"\r\n", 2);
        assertChunksAreTheRows("a,b\n1,2\n3,4", 1);
        CsvChunks.Plan blanks = plan("a,b\n1,2\n\n3,4\n\n", 10);
        assertThat(blanks.rows()).as("empty lines are not rows").isEqualTo(2);
        assertThat(plan("a,b\n", 5).rows()).isZero();
        assertThat(plan("a,b\n", 5).chunks()).isEmpty();
    }

    @Test
    void moreRowsThanAllowed_stopsTheScan() {
        assertThatThrownBy(() -> CsvChunks.plan(new ByteArrayInputStream("a\n1\n2\n3\n".getBytes(StandardCharsets.UTF_8)),
                10, 2)).isInstanceOf(CsvChunks.TooManyRows.class).hasMessageContaining("more than 2 rows");
    }
}
