package dev.mlapi.core.testkit;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protobuf writer, enough for the ONNX {@code ModelProto}s the tests build by hand
 * (tiny image models, tabular models, registry fixtures).
 */
public final class OnnxProto {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** A varint field. */
    public OnnxProto varint(int field, long value) {
        writeVarint((long) field << 3);
        writeVarint(value);
        return this;
    }

    public OnnxProto string(int field, String value) {
        return raw(field, value.getBytes(StandardCharsets.UTF_8));
    }

    public OnnxProto message(int field, OnnxProto message) {
        return raw(field, message.bytes());
    }

    /** A length-delimited field. */
    public OnnxProto raw(int field, byte[] data) {
        writeVarint(((long) field << 3) | 2);
        writeVarint(data.length);
        out.writeBytes(data);
        return this;
    }

    /** A bare varint, for the body of a packed repeated field. */
    public OnnxProto packed(long value) {
        writeVarint(value);
        return this;
    }

    public byte[] bytes() {
        return out.toByteArray();
    }

    private void writeVarint(long value) {
        while ((value & ~0x7FL) != 0) {
            out.write((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.write((int) value);
    }
}
