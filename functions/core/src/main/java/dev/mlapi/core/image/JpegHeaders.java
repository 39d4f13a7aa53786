package dev.mlapi.core.image;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What {@link ImageDecoder} needs from a JPEG's markers before the first scan, read without
 * decoding: its embedded ICC profile (the APP2 {@code ICC_PROFILE} chunks, reassembled) and
 * whether it is progressive. Bounds-checked on untrusted bytes: anything unexpected ends the
 * scan and leaves the file to ImageIO, which reports it.
 *
 * @param iccSegments the {@code [start, end)} byte ranges of the APP2 ICC segments, markers included
 * @param icc         the profile they carry, empty when there is none or the chunks are inconsistent
 * @param progressive whether the frame is progressive (SOF2, SOF6, SOF10, SOF14)
 * @param ycbcr       whether libjpeg reads its 3 components as YCbCr: a JFIF file, or no Adobe
 *                    marker and component ids 1, 2, 3 (as libjpeg decides the colour space)
 */
record JpegHeaders(List<int[]> iccSegments, Optional<byte[]> icc, boolean progressive, boolean ycbcr) {

    private static final byte[] ICC_ID = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);

    static boolean isJpeg(byte[] bytes) {
        return bytes.length > 3 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8 && (bytes[2] & 0xff) == 0xff;
    }

    /** The markers of {@code bytes} up to the first scan; call only when {@link #isJpeg}. */
    static JpegHeaders read(byte[] bytes) {
        List<int[]> segments = new ArrayList<>();
        List<byte[]> chunks = new ArrayList<>();
        boolean progressive = false;
        boolean jfif = false;
        boolean adobe = false;
        boolean idsOneTwoThree = false;
        int components = 0;
        boolean consistent = true;
        int count = -1;
        int at = 2;
        while (at + 1 < bytes.length) {
            if ((bytes[at] & 0xff) != 0xff) {
                break;
            }
            int marker = bytes[at + 1] & 0xff;
            if (marker == 0xff) {
                at++; // fill byte
                continue;
            }
            if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
                at += 2; // no length
                continue;
            }
            if (marker == 0xda || marker == 0xd9 || at + 3 >= bytes.length) {
                break;
            }
            int length = ((bytes[at + 2] & 0xff) << 8) | (bytes[at + 3] & 0xff);
            int end = at + 2 + length;
            if (length < 2 || end > bytes.length) {
                break;
            }
            if (marker == 0xe2 && length >= 2 + ICC_ID.length + 2
                    && Arrays.equals(bytes, at + 4, at + 4 + ICC_ID.length, ICC_ID, 0, ICC_ID.length)) {
                int sequence = bytes[at + 4 + ICC_ID.length] & 0xff;
                int chunkCount = bytes[at + 5 + ICC_ID.length] & 0xff;
                consistent &= sequence >= 1 && sequence <= chunkCount && (count < 0 || count == chunkCount);
                count = chunkCount;
                segments.add(new int[] {at, end});
                byte[] chunk = new byte[1 + end - (at + 6 + ICC_ID.length)];
                chunk[0] = (byte) sequence;
                System.arraycopy(bytes, at + 6 + ICC_ID.length, chunk, 1, chunk.length - 1);
                chunks.add(chunk);
            } else if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
                progressive = marker == 0xc2 || marker == 0xc6 || marker == 0xca || marker == 0xce;
                components = length >= 8 ? bytes[at + 9] & 0xff : 0;
                idsOneTwoThree = components == 3 && length >= 8 + 3 * 3 && bytes[at + 10] == 1
                        && bytes[at + 13] == 2 && bytes[at + 16] == 3;
            } else if (marker == 0xe0 && length >= 7 && startsWith(bytes, at + 4, "JFIF\0")) {
                jfif = true;
            } else if (marker == 0xee && length >= 7 && startsWith(bytes, at + 4, "Adobe")) {
                adobe = true;
            }
            at = end;
        }
        consistent &= chunks.size() == count;
        boolean ycbcr = components == 3 && !adobe && (jfif || idsOneTwoThree);
        Optional<byte[]> icc = Optional.empty();
        if (!chunks.isEmpty() && consistent) {
            chunks.sort(Comparator.comparingInt(chunk -> chunk[0] & 0xff));
            ByteArrayOutputStream profile = new ByteArrayOutputStream();
            for (int i = 0; i < chunks.size(); i++) {
                byte[] chunk = chunks.get(i);
                if ((chunk[0] & 0xff) != i + 1) {
                    return new JpegHeaders(segments, Optional.empty(), progressive, ycbcr);
                }
                profile.write(chunk, 1, chunk.length - 1);
            }
            icc = Optional.of(profile.toByteArray());
        }
        return new JpegHeaders(segments, icc, progressive, ycbcr);
    }

    private static boolean startsWith(byte[] bytes, int at, String text) {
        byte[] expected = text.getBytes(StandardCharsets.US_ASCII);
        return at + expected.length <= bytes.length
                && Arrays.equals(bytes, at, at + expected.length, expected, 0, expected.length);
    }

    /** {@code bytes} without the APP2 ICC segments: the same image, with no profile to convert from. */
    byte[] withoutIcc(byte[] bytes) {
        if (iccSegments.isEmpty()) {
            return bytes;
        }
        int removed = 0;
        for (int[] segment : iccSegments) {
            removed += segment[1] - segment[0];
        }
        byte[] stripped = new byte[bytes.length - removed];
        int from = 0;
        int to = 0;
        for (int[] segment : iccSegments) {
            int length = segment[0] - from;
            System.arraycopy(bytes, from, stripped, to, length);
            to += length;
            from = segment[1];
        }
        System.arraycopy(bytes, from, stripped, to, bytes.length - from);
        return stripped;
    }
}
