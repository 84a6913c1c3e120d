package io.jslirp.tap.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.EOFException;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@link ApiProtocol} reads of one request: whether the first JSON value is an object, its
 * {@code execute}, and the members of its {@code arguments} object. Read with jackson-core's streaming parser
 * through the whole first value, every string decoded and every number converted, so that exactly the
 * documents Jackson's tree reader refused (a repeated key at any depth, bad UTF-8 or escapes, nesting past
 * Jackson's limit, a number it cannot convert) are still refused; what follows the first value is never read.
 * Bounded by the request: at most {@link ApiProtocol#MAX_REQUEST} bytes, so a few hundred members.
 */
final class ApiRequest {
    /**
     * The one factory, for this and for {@link RequestFraming}; made when the first connection or request
     * needs it, so that an idle API socket has loaded none of Jackson.
     */
    static final JsonFactory FACTORY = new JsonFactory();

    /** What a member holds, as far as the protocol tells them apart. */
    enum Kind { STRING, NUMBER, NULL, OTHER }

    /** A member's value: a string's text, a number's double (as parson and Jackson's tree hold it), or neither. */
    static final class Value {
        static final Value NULL = new Value(Kind.NULL, null, 0);
        /** true, false, an object or an array. */
        static final Value OTHER = new Value(Kind.OTHER, null, 0);

        final Kind kind;
        final String text;
        final double number;

        Value(Kind kind, String text, double number) {
            this.kind = kind;
            this.text = text;
            this.number = number;
        }

        @Override
        public String toString() {
            return kind == Kind.STRING ? '"' + text + '"' : kind == Kind.NUMBER ? Double.toString(number) : kind.name();
        }
    }

    private final boolean object;
    private Value execute;
    /** Null unless arguments is an object. */
    private Map<String, Value> arguments;

    private ApiRequest(boolean object) {
        this.object = object;
    }

    /** The first JSON value of {@code request[0..length)}, or null if there is none or it is not JSON. */
    static ApiRequest parse(byte[] request, int length) {
        try (JsonParser p = FACTORY.createParser(request, 0, length)) {
            // A repeated key makes the document unparsable, as parson's object builder refuses a second one.
            p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
            JsonToken first = p.nextToken();
            if (first == null) {
                return null;
            }
            ApiRequest r = new ApiRequest(first == JsonToken.START_OBJECT);
            if (!r.object) {
                read(p); // [1,2], "str", 42 and null: JSON, but not an object, if they parse to their end
                return r;
            }
            for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
                JsonToken t = p.nextToken();
                if (name.equals("execute")) {
                    r.execute = read(p);
                } else if (name.equals("arguments") && t == JsonToken.START_OBJECT) {
                    r.arguments = new HashMap<>();
                    for (String arg = p.nextFieldName(); arg != null; arg = p.nextFieldName()) {
                        p.nextToken();
                        r.arguments.put(arg, read(p));
                    }
                } else {
                    read(p);
                }
            }
            return r;
        } catch (IOException | RuntimeException e) {
            // Malformed JSON, and what jackson-core throws unchecked for hostile input it refuses (field names
            // crafted to collide in its symbol table: IllegalStateException): not JSON to this protocol either.
            return null;
        }
    }

    /** Whether the first value is an object; the other accessors are empty when not. */
    boolean isObject() {
        return object;
    }

    /** The value of {@code execute}, or null when absent. */
    Value execute() {
        return execute;
    }

    /** The member {@code name} of arguments, or null when absent or when arguments is absent or no object. */
    Value argument(String name) {
        return arguments == null ? null : arguments.get(name);
    }

    /**
     * The value at the parser's current token, read to its end. Strings are decoded and numbers converted as
     * Jackson's tree reader did (an int, long or BigInteger, or a double), also inside values nobody reads:
     * a value that is not well-formed fails here as it failed there.
     */
    private static Value read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        switch (t) {
            case VALUE_STRING:
                return new Value(Kind.STRING, p.getText(), 0);
            case VALUE_NUMBER_INT:
            case VALUE_NUMBER_FLOAT:
                return new Value(Kind.NUMBER, null, number(p, t));
            case VALUE_NULL:
                return Value.NULL;
            case START_OBJECT:
            case START_ARRAY:
                for (int depth = 1; depth > 0;) {
                    JsonToken n = p.nextToken();
                    if (n == null) {
                        throw new EOFException(); // Jackson reports an unclosed value itself; never left open
                    } else if (n.isStructStart()) {
                        depth++;
                    } else if (n.isStructEnd()) {
                        depth--;
                    } else if (n.isScalarValue()) {
                        read(p);
                    }
                }
                return Value.OTHER;
            default:
                return Value.OTHER; // true, false
        }
    }

    private static double number(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getDoubleValue();
        }
        switch (p.getNumberType()) {
            case INT:
                return p.getIntValue();
            case LONG:
                return p.getLongValue();
            default:
                return p.getBigIntegerValue().doubleValue();
        }
    }
}
