package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RequestFramingTest {
    private final RequestFraming framing = new RequestFraming();

    private boolean feed(String piece) {
        byte[] b = ("xx" + piece).getBytes(StandardCharsets.UTF_8);
        return framing.feed(b, 2, b.length - 2);
    }

    @Test
    void anObjectInPiecesIsReadyAtItsClosingBrace() {
        assertFalse(feed("{\"exec"));
        assertFalse(feed("ute\":\"list_h"));
        assertFalse(feed("ostfwd\",\"arguments\":{\"id\":1}"));
        assertTrue(feed("}"));
        assertTrue(feed("\n"));
    }

    @Test
    void bracesInsideStringsDoNotCount() {
        assertFalse(feed("{\"a\":\"}\""));
        assertFalse(feed(",\"b\":\"{\\\"}\""));
        assertTrue(feed("}"));
    }

    @Test
    void whitespaceAndNothingAreNotARequestYet() {
        assertFalse(feed(""));
        assertFalse(feed("  \n\t"));
        assertFalse(feed("{"));
    }

    @Test
    void aNumberIsWholeOnlyOnceSomethingEndsIt() {
        assertFalse(feed("4"));
        assertFalse(feed("2"));
        assertTrue(feed("\n"));
    }

    @Test
    void arraysAndStringsAtTheTopLevelAreWhole() {
        assertTrue(new RequestFraming().feed("[1,[2]]".getBytes(StandardCharsets.UTF_8), 0, 7));
        RequestFraming s = new RequestFraming();
        assertFalse(s.feed("\"st".getBytes(StandardCharsets.UTF_8), 0, 3));
        assertTrue(s.feed("r\"".getBytes(StandardCharsets.UTF_8), 0, 2));
    }

    @Test
    void textThatCanNeverBeJsonIsReadyAtOnce() {
        assertTrue(feed("xyz"));
        RequestFraming word = new RequestFraming();
        assertFalse(word.feed("nope".getBytes(StandardCharsets.UTF_8), 0, 4)); // could still be "nope..." to Jackson
        assertTrue(word.feed("\n".getBytes(StandardCharsets.UTF_8), 0, 1));
        RequestFraming other = new RequestFraming();
        assertTrue(other.feed("{]".getBytes(StandardCharsets.UTF_8), 0, 2));
    }
}
