package dev.mlapi.registry;

import dev.mlapi.registry.Manifest.TensorSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The graph inputs and outputs of an ONNX model, read straight from its protobuf encoding
 * ({@code onnx.proto3}: {@code ModelProto.graph}, {@code GraphProto.input/output/initializer},
 * {@code ValueInfoProto}, {@code TypeProto}) without an ONNX library.
 *
 * <p>Inputs that are initializers (older exporters list weights as inputs) are left out; a
 * symbolic or unknown dimension is {@code -1}.
 */
public record OnnxSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {

    private static final String[] ELEMENT_TYPES = {"undefined", "float32", "uint8", "int8", "uint16", "int16",
        "int32", "int64", "string", "bool", "float16", "float64", "uint32", "uint64", "complex64", "complex128",
        "bfloat16"};

    // Field numbers from onnx.proto3.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int GRAPH_INPUT = 11;
    private static final int GRAPH_OUTPUT = 12;
    private static final int TENSOR_NAME = 8;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TYPE_SEQUENCE = 4;
    private static final int TYPE_MAP = 5;
    private static final int TYPE_OPTIONAL = 9;
    private static final int TYPE_SPARSE_TENSOR = 8;
    private static final int TENSOR_TYPE_ELEMENT = 1;
    private static final int TENSOR_TYPE_SHAPE = 2;
    private static final int SHAPE_DIM = 1;
    private static final int DIM_VALUE = 1;
    private static final int MAP_KEY_TYPE = 1;
    private static final int MAP_VALUE_TYPE = 2;
    private static final int SEQUENCE_ELEMENT_TYPE = 1;

    public OnnxSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
    }

    /**
     * Reads the signature of the ONNX model in {@code model}.
     *
     * @throws IllegalArgumentException if the bytes are not an ONNX model with a graph that has outputs
     */
    public static OnnxSignature read(byte[] model) {
        try {
            Reader graph = null;
            Reader reader = new Reader(model, 0, model.length);
            while (reader.hasMore()) {
                int tag = reader.tag();
                if (field(tag) == MODEL_GRAPH && wireType(tag) == 2) {
                    graph = reader.message();
                } else {
                    reader.skip(tag);
                }
            }
            if (graph == null) {
                throw new IllegalArgumentException("no graph in the model");
            }
            return readGraph(graph);
        } catch (IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("truncated protobuf", e);
        }
    }

    private static OnnxSignature readGraph(Reader graph) {
        List<TensorSpec> inputs = new ArrayList<>();
        List<TensorSpec> outputs = new ArrayList<>();
        Set<String> initializers = new HashSet<>();
        while (graph.hasMore()) {
            int tag = graph.tag();
            int field = field(tag);
            if (wireType(tag) != 2 || (field != GRAPH_INPUT && field != GRAPH_OUTPUT && field != GRAPH_INITIALIZER)) {
                graph.skip(tag);
            } else if (field == GRAPH_INITIALIZER) {
                initializers.add(readString(graph.message(), TENSOR_NAME));
            } else {
                (field == GRAPH_INPUT ? inputs : outputs).add(readValueInfo(graph.message()));
            }
        }
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("the graph has no outputs");
        }
        return new OnnxSignature(inputs.stream().filter(i -> !initializers.contains(i.name())).toList(), outputs);
    }

    private static TensorSpec readValueInfo(Reader info) {
        String name = "";
        TypeAndShape type = new TypeAndShape("undefined", List.of());
        while (info.hasMore()) {
            int tag = info.tag();
            if (field(tag) == VALUE_INFO_NAME && wireType(tag) == 2) {
                name = info.string();
            } else if (field(tag) == VALUE_INFO_TYPE && wireType(tag) == 2) {
                type = readType(info.message());
            } else {
                info.skip(tag);
            }
        }
        return new TensorSpec(name, type.type(), type.shape());
    }

    private record TypeAndShape(String type, List<Long> shape) {
    }

    private static TypeAndShape readType(Reader type) {
        TypeAndShape result = new TypeAndShape("undefined", List.of());
        while (type.hasMore()) {
            int tag = type.tag();
            if (wireType(tag) != 2) {
                type.skip(tag);
                continue;
            }
            switch (field(tag)) {
                case TYPE_TENSOR -> result = readTensorType(type.message());
                case TYPE_SPARSE_TENSOR -> result = readTensorType(type.message());
                case TYPE_SEQUENCE -> result = new TypeAndShape(
                        "sequence<" + readNested(type.message(), SEQUENCE_ELEMENT_TYPE) + ">", List.of());
                case TYPE_OPTIONAL -> result = new TypeAndShape(
                        "optional<" + readNested(type.message(), SEQUENCE_ELEMENT_TYPE) + ">", List.of());
                case TYPE_MAP -> result = new TypeAndShape(readMapType(type.message()), List.of());
                default -> type.skip(tag);
            }
        }
        return result;
    }

    private static String readNested(Reader message, int typeField) {
        String element = "undefined";
        while (message.hasMore()) {
            int tag = message.tag();
            if (field(tag) == typeField && wireType(tag) == 2) {
                element = readType(message.message()).type();
            } else {
                message.skip(tag);
            }
        }
        return element;
    }

    private static String readMapType(Reader map) {
        String key = "undefined";
        String value = "undefined";
        while (map.hasMore()) {
            int tag = map.tag();
            if (field(tag) == MAP_KEY_TYPE && wireType(tag) == 0) {
                key = elementType(map.varint());
            } else if (field(tag) == MAP_VALUE_TYPE && wireType(tag) == 2) {
                value = readType(map.message()).type();
            } else {
                map.skip(tag);
            }
        }
        return "map<" + key + "," + value + ">";
    }

    private static TypeAndShape readTensorType(Reader tensor) {
        String element = "undefined";
        List<Long> shape = List.of();
        while (tensor.hasMore()) {
            int tag = tensor.tag();
            if (field(tag) == TENSOR_TYPE_ELEMENT && wireType(tag) == 0) {
                element = elementType(tensor.varint());
            } else if (field(tag) == TENSOR_TYPE_SHAPE && wireType(tag) == 2) {
                shape = readShape(tensor.message());
            } else {
                tensor.skip(tag);
            }
        }
        return new TypeAndShape(element, shape);
    }

    private static List<Long> readShape(Reader shape) {
        List<Long> dims = new ArrayList<>();
        while (shape.hasMore()) {
            int tag = shape.tag();
            if (field(tag) == SHAPE_DIM && wireType(tag) == 2) {
                dims.add(readDimension(shape.message()));
            } else {
                shape.skip(tag);
            }
        }
        return dims;
    }

    private static long readDimension(Reader dim) {
        long value = -1;
        while (dim.hasMore()) {
            int tag = dim.tag();
            if (field(tag) == DIM_VALUE && wireType(tag) == 0) {
                long v = dim.varint();
                value = v < 0 ? -1 : v;
            } else {
                dim.skip(tag);
            }
        }
        return value;
    }

    private static String readString(Reader message, int stringField) {
        String value = "";
        while (message.hasMore()) {
            int tag = message.tag();
            if (field(tag) == stringField && wireType(tag) == 2) {
                value = message.string();
            } else {
                message.skip(tag);
            }
        }
        return value;
    }

    private static String elementType(long code) {
        return code >= 0 && code < ELEMENT_TYPES.length ? ELEMENT_TYPES[(int) code] : "undefined";
    }

    private static int field(int tag) {
        return tag >>> 3;
    }

    private static int wireType(int tag) {
        return tag & 7;
    }

    /** A cursor over one protobuf message's bytes. */
    private static final class Reader {
        private final byte[] data;
        private final int end;
        private int pos;

        Reader(byte[] data, int start, int end) {
            this.data = data;
            this.pos = start;
            this.end = end;
        }

        boolean hasMore() {
            return pos < end;
        }

        int tag() {
            long tag = varint();
            if (tag <= 0 || tag > Integer.MAX_VALUE || field((int) tag) == 0) {
                throw new IllegalArgumentException("invalid protobuf tag at byte " + pos);
            }
            return (int) tag;
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw new IllegalArgumentException("truncated varint");
                }
                byte b = data[pos++];
                result |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed varint");
        }

        Reader message() {
            int length = length();
            Reader nested = new Reader(data, pos, pos + length);
            pos += length;
            return nested;
        }

        String string() {
            int length = length();
            String value = new String(data, pos, length, StandardCharsets.UTF_8);
            pos += length;
            return value;
        }

        private int length() {
            long length = varint();
            if (length < 0 || length > end - pos) {
                throw new IllegalArgumentException("length-delimited field overruns its message");
            }
            return (int) length;
        }

        void skip(int tag) {
            switch (wireType(tag)) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType(tag));
            }
        }

        private void advance(int bytes) {
            if (bytes > end - pos) {
                throw new IllegalArgumentException("field overruns its message");
            }
            pos += bytes;
        }
    }
}
