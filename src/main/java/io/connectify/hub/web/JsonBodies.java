package io.connectify.hub.web;

import java.util.Comparator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.connectify.hub.resilience.ValidationException;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import org.springframework.stereotype.Component;

/**
 * Reads a request body into a typed record and validates it. Every failure is a {@link ValidationException} that
 * names the offending field, never the parser's internals.
 */
@Component
public class JsonBodies {

    /** Deepest JSON nesting a request may have; request types are flat, so anything deeper is hostile. */
    private static final int MAX_DEPTH = 16;
    /** JSON's escape of the NUL character: a backslash that is not itself escaped, then u0000. */
    private static final Pattern NUL_ESCAPE = Pattern.compile("(?<!\\\\)(\\\\\\\\)*\\\\u0000");

    /** Jackson's message for a member given twice (JsonReadContext#_checkDup), the only way it names the member. */
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'", Pattern.DOTALL);

    private final ObjectMapper objectMapper;
    private final Validator validator;

    public JsonBodies(ObjectMapper objectMapper, Validator validator) {
        // text after the JSON value ({...} garbage) is not a valid body: Jackson stops reading after the value
        this.objectMapper = objectMapper.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        // a member given twice is refused, not read as its last value: {"amount":100,"amount":null} refunded the whole
        // payment while a check of the first value saw 100. Only the API's bodies: webhooks have their own readers
        this.objectMapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        // a wrong-typed value is refused, not converted: "60" for a number, "true" for a boolean, 123 or true for a
        // text. Only here, the API's bodies: the mappers that read providers' answers and webhooks stay lenient
        // "" and "  " too: Jackson takes an empty (or blank) string for a number or boolean as null by default, and a
        // refund's absent amount means the whole payment ({"amount":""} refunded it in full)
        refuse(LogicalType.Integer, CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Boolean);
        refuse(LogicalType.Float, CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Boolean);
        refuse(LogicalType.Boolean, CoercionInputShape.String, CoercionInputShape.EmptyString,
                CoercionInputShape.Integer, CoercionInputShape.Float);
        refuse(LogicalType.Textual, CoercionInputShape.Integer, CoercionInputShape.Float, CoercionInputShape.Boolean);
        this.objectMapper.getFactory().setStreamReadConstraints(
                com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build());
        this.validator = validator;
    }

    /** Values of {@code shapes} given for a field of {@code type} fail to read, blank strings included. */
    private void refuse(LogicalType type, CoercionInputShape... shapes) {
        var config = objectMapper.coercionConfigFor(type).setAcceptBlankAsEmpty(false);
        for (CoercionInputShape shape : shapes) {
            config.setCoercion(shape, CoercionAction.Fail);
        }
    }

    public <T> T read(String body, Class<T> type) {
        if (body == null || body.isBlank()) {
            throw new ValidationException("A JSON request body is required");
        }
        if (body.indexOf('\0') >= 0 || NUL_ESCAPE.matcher(body).find()) {
            // PostgreSQL's text refuses the NUL character: the insert would fail with a 500
            throw new ValidationException("Text may not hold the NUL character (\\u0000)");
        }
        T value;
        try {
            value = objectMapper.readValue(body, type);
        } catch (UnrecognizedPropertyException e) {
            throw new ValidationException("Unknown field '" + e.getPropertyName() + "'");
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof StreamReadException parse && duplicateMember(parse) != null) {
                throw duplicate(parse); // the parser's error, wrapped with the path of the object it was reading
            }
            throw new ValidationException(e.getPath().isEmpty()
                    ? "Request body is not valid JSON for this operation"
                    : "Field '" + path(e) + "' has an invalid value");
        } catch (StreamReadException e) {
            throw duplicateMember(e) != null ? duplicate(e) : new ValidationException("Request body is not valid JSON");
        } catch (JsonProcessingException e) {
            throw new ValidationException("Request body is not valid JSON");
        }
        if (value == null) {
            throw new ValidationException("A JSON request body is required");
        }
        var violations = validator.validate(value);
        if (!violations.isEmpty()) {
            throw new ValidationException(violations.stream()
                    .sorted(Comparator.comparing(v -> v.getPropertyPath().toString()))
                    .map(JsonBodies::describe)
                    .collect(Collectors.joining("; ")));
        }
        return value;
    }

    /**
     * The top-level members {@code body} (read by {@link #read} already) gives as JSON null: a merge patch (RFC 7396)
     * removes those, where an absent member stays as it is; the record read cannot tell the two apart.
     */
    public java.util.Set<String> nullMembers(String body) {
        try {
            java.util.Set<String> nulls = new java.util.TreeSet<>();
            objectMapper.readTree(body).properties().forEach(member -> {
                if (member.getValue().isNull()) {
                    nulls.add(member.getKey());
                }
            });
            return nulls;
        } catch (JsonProcessingException e) {
            throw new ValidationException("Request body is not valid JSON");
        }
    }

    public String write(Object value) {
        try {
            return objectMapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** The member a duplicate-detecting parser found twice, or null for any other parse error. */
    private static String duplicateMember(StreamReadException e) {
        Matcher duplicate = DUPLICATE.matcher(String.valueOf(e.getOriginalMessage()));
        return duplicate.matches() ? duplicate.group(1) : null;
    }

    private static ValidationException duplicate(StreamReadException e) {
        return new ValidationException("Field '" + duplicateMember(e) + "' is given more than once");
    }

    private static String describe(ConstraintViolation<?> v) {
        return "'" + v.getPropertyPath() + "' " + v.getMessage();
    }

    private static String path(JsonMappingException e) {
        return e.getPath().stream()
                .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
    }
}
