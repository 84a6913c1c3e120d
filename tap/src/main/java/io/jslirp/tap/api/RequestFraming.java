package io.jslirp.tap.api;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import java.io.IOException;

/**
 * Tells, as the bytes of one API request arrive in pieces, when there is enough to answer: once the first
 * JSON value is complete, or is certainly not JSON. A client that does not shut its write side is answered
 * then, as slirp4netns's single read would have answered it; a client that does shut down is answered at EOF
 * whatever this says. One per connection, fed every piece in order, through Jackson's non-blocking parser,
 * so that a piece boundary inside a string or number is never mistaken for its end.
 */
final class RequestFraming {
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private int depth;
    private boolean done;

    RequestFraming() {
        try {
            parser = ApiRequest.FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException(e); // creating a parser over no input does no I/O
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /**
     * Takes the next {@code length} bytes of {@code data} from {@code offset}; true once the request is ready
     * to answer (and from then on). The caller keeps the bytes: this only looks at them.
     */
    boolean feed(byte[] data, int offset, int length) {
        if (done || length == 0) {
            return done;
        }
        try {
            feeder.feedInput(data, offset, offset + length);
            for (JsonToken t = parser.nextToken(); t != null && t != JsonToken.NOT_AVAILABLE; t = parser.nextToken()) {
                if (t.isStructStart()) {
                    depth++;
                } else if (t.isStructEnd()) {
                    depth--;
                }
                if (depth == 0) {
                    done = true; // a whole object, array or scalar at the top level
                    break;
                }
            }
        } catch (IOException e) {
            done = true; // not JSON however it goes on: answer "cannot parse JSON" now
        }
        return done;
    }
}
