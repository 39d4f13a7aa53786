package dev.mlapi.core.json;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.mlapi.core.error.ApiException;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.Redaction;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.Collection;

/**
 * The project's one JSON mapper: snake_case, ISO-8601 timestamps, strict about types and depth.
 *
 * <p>Reading untrusted input goes through {@link #read(byte[], Class)}, which turns every parse
 * or type error into a 400 naming the offending field.
 */
public final class Json {

    /** Deeper documents than this are refused: no request of this API needs more. */
    public static final int MAX_NESTING_DEPTH = 64;

    private static final ObjectMapper MAPPER = create();

    private Json() {
    }

    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static ObjectMapper create() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build())
                .build();
        JsonMapper mapper = JsonMapper.builder(factory)
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .addModule(new JavaTimeModule())
                .addModule(new Jdk8Module())
                .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                // 1.5 where an integer is expected is an error, not 1
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .serializationInclusion(JsonInclude.Include.NON_ABSENT)
                .build();
        // A number or boolean where a string is expected is a client error, not something to coerce.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return mapper;
    }

    /** Parses untrusted JSON into {@code type}; any problem becomes a 400 naming the field. */
    public static <T> T read(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new InvalidInput("the request body is empty; a JSON object is required");
        }
        try {
            T value = MAPPER.readValue(body, type);
            if (value == null) {
                throw new InvalidInput("the request body is JSON null; a JSON object is required");
            }
            return value;
        } catch (UnrecognizedPropertyException e) {
            String field = path(e);
            throw new InvalidInput("unknown field '" + field + "'",
                    List.of(new ApiException.FieldError(field, "unknown field; expected one of "
                            + e.getKnownPropertyIds())));
        } catch (InvalidFormatException e) {
            String field = path(e);
            // a password sent as a number must not come back (or reach the log) in the error
            String value = Redaction.isSensitiveField(lastName(e)) ? "" : " " + describe(e.getValue());
            throw new InvalidInput(field + ": invalid value" + value,
                    List.of(new ApiException.FieldError(field, "invalid value" + value
                            + ", expected " + simpleType(e.getTargetType()))));
        } catch (MismatchedInputException e) {
            String field = path(e);
            String expected = simpleType(e.getTargetType());
            if (String.valueOf(e.getOriginalMessage()).startsWith("Trailing token")) {
                throw new InvalidInput("unexpected data after the JSON value" + location(e));
            }
            if (field.isEmpty()) {
                throw new InvalidInput("the request body must be a JSON " + expected);
            }
            throw new InvalidInput(field + ": wrong type, expected " + expected,
                    List.of(new ApiException.FieldError(field, "wrong type, expected " + expected)));
        } catch (StreamConstraintsException e) {
            if (String.valueOf(e.getOriginalMessage()).contains("nesting depth")) {
                throw new InvalidInput("the JSON document is nested deeper than " + MAX_NESTING_DEPTH + " levels");
            }
            throw new InvalidInput("a JSON number, string or name is longer than this API accepts" + location(e));
        } catch (JsonProcessingException e) {
            // Jackson's messages quote the offending token ("Unrecognized token 'hunter2'"): say where, not what.
            throw new InvalidInput("malformed JSON" + location(e));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses untrusted JSON into a tree, with the same error handling as {@link #read(byte[], Class)}. */
    public static JsonNode readTree(byte[] body) {
        return read(body, JsonNode.class);
    }

    public static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    public static String writeString(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getName(), e);
        }
    }

    private static String path(MismatchedInputException e) {
        return e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining("."))
                .replace(".[", "[");
    }

    private static String lastName(MismatchedInputException e) {
        return e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
    }

    private static String location(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    private static String describe(Object value) {
        return value instanceof String s ? "'" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'" : String.valueOf(value);
    }

    private static String simpleType(Class<?> type) {
        if (type == null) {
            return "value";
        }
        if (type == String.class) {
            return "string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "integer";
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "boolean";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "array";
        }
        return "object";
    }
}
