package dev.mlapi.predict;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits a CSV into chunks of whole rows by byte ranges, in one streaming pass: a row ends at a
 * line feed outside quotes (RFC 4180, as Commons CSV's default format reads it: a doubled quote
 * inside a quoted field toggles twice), so a quoted newline never splits a row. Quotes and line
 * feeds are single bytes that never occur inside a UTF-8 sequence, so bytes are enough. Empty lines
 * are not rows. The first row is the header: chunks start after it.
 */
final class CsvChunks {

    /** Rows {@code firstRow .. firstRow + rows - 1} (1 = the first row after the header) at bytes {@code [start, end)}. */
    record Chunk(int index, long start, long end, long firstRow, int rows) {
    }

    /** The chunks and where the header ends. */
    record Plan(long headerEnd, long rows, List<Chunk> chunks) {
    }

    /** The CSV has more rows than allowed: counted up to the limit, then the scan stops. */
    static final class TooManyRows extends RuntimeException {
        TooManyRows(long limit) {
            super("the dataset has more than " + limit + " rows");
        }
    }

    private CsvChunks() {
    }

    /**
     * Reads {@code csv} to its end and cuts it every {@code rowsPerChunk} rows.
     *
     * @throws TooManyRows past {@code maxRows} rows
     */
    static Plan plan(InputStream csv, int rowsPerChunk, long maxRows) {
        if (rowsPerChunk < 1) {
            throw new IllegalArgumentException("rows per chunk must be positive: " + rowsPerChunk);
        }
        List<Chunk> chunks = new ArrayList<>();
        byte[] buffer = new byte[256 * 1024];
        boolean quoted = false;
        boolean lineHasContent = false;
        long position = 0;
        long headerEnd = -1;
        long chunkStart = 0;
        long rows = 0;
        int inChunk = 0;
        try {
            for (int read; (read = csv.read(buffer)) > 0; ) {
                for (int i = 0; i < read; i++) {
                    byte b = buffer[i];
                    position++;
                    if (b == '"') {
                        quoted = !quoted;
                        lineHasContent = true;
                    } else if (b == '\n' && !quoted) {
                        if (lineHasContent) {
                            if (headerEnd < 0) {
                                headerEnd = position;
                                chunkStart = position;
                            } else {
                                rows++;
                                inChunk++;
                                if (rows > maxRows) {
                                    throw new TooManyRows(maxRows);
                                }
                                if (inChunk == rowsPerChunk) {
                                    chunks.add(new Chunk(chunks.size(), chunkStart, position, rows - inChunk + 1, inChunk));
                                    chunkStart = position;
                                    inChunk = 0;
                                }
                            }
                        }
                        lineHasContent = false;
                    } else if (b != '\r') {
                        lineHasContent = true;
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the dataset", e);
        }
        if (lineHasContent) {
            // the last row has no line feed
            if (headerEnd < 0) {
                headerEnd = position;
                chunkStart = position;
            } else {
                rows++;
                inChunk++;
                if (rows > maxRows) {
                    throw new TooManyRows(maxRows);
                }
            }
        }
        if (inChunk > 0) {
            chunks.add(new Chunk(chunks.size(), chunkStart, position, rows - inChunk + 1, inChunk));
        }
        return new Plan(Math.max(headerEnd, 0), rows, chunks);
    }
}
