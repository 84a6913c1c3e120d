package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.tap.api.ApiRequest.Kind;
import io.jslirp.tap.api.ApiRequest.Value;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming reader that replaced Jackson's tree: it must refuse exactly what the tree reader refused
 * (every case here was checked against the jackson-databind build it replaced) and find the members.
 */
class ApiRequestTest {
    private static ApiRequest parse(String request) {
        return parse(request.getBytes(StandardCharsets.UTF_8));
    }

    private static ApiRequest parse(byte[] request) {
        return ApiRequest.parse(request, request.length);
    }

    private static Value arg(String request, String name) {
        ApiRequest r = parse("{\"execute\":\"add_hostfwd\",\"arguments\":{" + request + "}}");
        assertNotNull(r, request);
        return r.argument(name);
    }

    private static double number(String json) {
        Value v = arg("\"n\":" + json, "n");
        assertEquals(Kind.NUMBER, v.kind, json);
        return v.number;
    }

    @Test
    void findsExecuteAndTheArgumentsMembers() {
        ApiRequest r = parse("{\"x\":[1,{\"execute\":\"no\"}],\"arguments\":{\"proto\":\"tcp\",\"host_port\":8080,"
                + "\"host_addr\":null,\"guest_addr\":true,\"deep\":{\"proto\":\"udp\"}},\"execute\":\"add_hostfwd\"}");
        assertTrue(r.isObject());
        assertEquals(Kind.STRING, r.execute().kind);
        assertEquals("add_hostfwd", r.execute().text);
        assertEquals("tcp", r.argument("proto").text);
        assertEquals(8080.0, r.argument("host_port").number);
        assertSame(Value.NULL, r.argument("host_addr"));
        assertSame(Value.OTHER, r.argument("guest_addr"));
        assertSame(Value.OTHER, r.argument("deep"));
        assertNull(r.argument("guest_port"));
    }

    @Test
    void theEmptyObjectHasNothing() {
        ApiRequest r = parse("{}");
        assertTrue(r.isObject());
        assertNull(r.execute());
        assertNull(r.argument("proto"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"arguments\":5}", "{\"arguments\":null}", "{\"arguments\":\"x\"}", "{\"arguments\":[{\"proto\":\"tcp\"}]}",
        "{\"proto\":\"tcp\"}"})
    void argumentsThatAreNoObjectHaveNoMembers(String request) {
        assertNull(parse(request).argument("proto"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "[[[[]]]]", "\"str\"", "42", "-0.5", "null", "true", "[{\"execute\":\"list_hostfwd\"}]", "42 43",
        "\"a\" garbage"})
    void otherValuesAreJsonButNoObject(String request) {
        ApiRequest r = parse(request);
        assertNotNull(r, request);
        assertFalse(r.isObject());
        assertNull(r.execute());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " \n", "{", "[[[[]]]", "{\"a\":1,\"a\":2}", "{\"x\":{\"a\":1,\"a\":2}}", "{\"x\":[{\"a\":1,\"a\":2}]}",
        "[{\"a\":1,\"a\":2}]", "{\"execute\":\"x\",\"exec\\u0075te\":\"y\"}", "{\"arguments\":{\"id\":1,\"id\":2}}", "{'a':1}", "{a:1}",
        "{\"a\":1,}", "{\"a\":\"\\x\"}", "{\"a\":\"\\u00\"}", "{\"a\":\"t\tb\"}", "{\"a\":01}", "{\"a\":+1}", "{\"a\":.5}", "{\"a\":NaN}",
        "{\"a\":1e}", "{\"a\":1 /* c */}", "{\"a\":[1 2]}", "nullx", "42x", "{\"a\":1 // c\n}"})
    void notJson(String request) {
        assertNull(parse(request), request);
    }

    @Test
    void repeatedKeysInSiblingObjectsAreFine() {
        assertTrue(parse("{\"x\":[{\"a\":1},{\"a\":2}],\"y\":{\"a\":{\"a\":3}}}").isObject());
    }

    @Test
    void nestingStopsAtJacksonsLimitOf1000() {
        assertTrue(parse("{\"x\":" + "[".repeat(999) + "]".repeat(999) + "}").isObject());
        assertNull(parse("{\"x\":" + "[".repeat(1000) + "]".repeat(1000) + "}"));
        assertFalse(parse("[".repeat(1000) + "]".repeat(1000)).isObject());
        assertNull(parse("[".repeat(1001) + "]".repeat(1001)));
    }

    @Test
    void numbersAreDoublesAsTheTreeHeldThem() {
        assertEquals(8080.5, number("8080.5"));
        assertEquals(8080.0, number("8.08e3"));
        assertEquals(-0.0, number("-0.0"));
        assertEquals(0.0, number("-0"));
        assertEquals(65536.0, number("65535.99999999999999999"), "rounded to the nearest double, then truncated by the caller");
        assertEquals(Double.POSITIVE_INFINITY, number("1e400"));
        assertEquals(Double.NEGATIVE_INFINITY, number("-1e400"));
        assertEquals(0.0, number("1e-400"));
        assertEquals(1e23, number("99999999999999999999999"));
        assertEquals(9.223372036854775807e18, number("9223372036854775807"));
        assertEquals(-4294967295.0, number("-4294967295"));
        assertEquals(2147483648.0, number("2147483648"));
    }

    @Test
    void numbersPastJacksonsLengthLimitAreRefusedEvenWhereNobodyReadsThem() {
        assertNotNull(parse("{\"ignored\":1" + "0".repeat(999) + "}"));
        assertNull(parse("{\"ignored\":1" + "0".repeat(1000) + "}"));
        assertNull(parse("{\"ignored\":[0." + "0".repeat(1000) + "1]}"));
    }

    @Test
    void stringsAreDecoded() {
        assertEquals("tcp", arg("\"s\":\"t\\u0063p\"", "s").text);
        assertEquals("tcp\u0000", arg("\"s\":\"tcp\\u0000\"", "s").text);
        assertEquals("\"/\\\u00e9\ud83d\ude00", arg("\"s\":\"\\\"\\/\\\\\u00e9\\ud83d\\ude00\"", "s").text);
        assertEquals("", arg("\"s\":\"\"", "s").text);
        assertEquals("x", arg("\"pro\\u0074o\":\"x\"", "proto").text, "keys are decoded too");
        assertNull(parse("{\"ex\u00e9cute\":\"list_hostfwd\"}").execute());
    }

    @Test
    void badUtf8IsRefusedWhereverItIs() {
        assertNull(parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}));
        assertNull(parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xe2, '(', (byte) 0xa1, '"', '}'}));
        assertNull(parse(new byte[] {'{', '"', 'a', (byte) 0xff, '"', ':', '1', '}'}));
        // What Jackson lets through, it still does: an overlong '/' and a lone surrogate's bytes.
        assertNotNull(parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xc0, (byte) 0xaf, '"', '}'}));
        assertNotNull(parse(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"', '}'}));
    }

    @Test
    void jacksonsEncodingDetectionStays() {
        for (String charset : new String[] {"UTF-16LE", "UTF-16BE", "UTF-16", "UTF-32BE", "UTF-32LE"}) {
            ApiRequest r = parse("{\"execute\":\"list_hostfwd\"}".getBytes(Charset.forName(charset)));
            assertEquals("list_hostfwd", r.execute().text, charset);
        }
        assertEquals("list_hostfwd", parse("\ufeff{\"execute\":\"list_hostfwd\"}").execute().text);
    }

    @Test
    void onlyTheFirstValueIsRead() {
        assertEquals("list_hostfwd", parse("{\"execute\":\"list_hostfwd\"}{\"execute\":\"bogus\"}garbage").execute().text);
        assertEquals("list_hostfwd", parse("{\"execute\":\"list_hostfwd\"}]").execute().text);
        assertEquals("list_hostfwd", parse("{\"execute\":\"list_hostfwd\"} /* c */").execute().text);
        assertEquals("list_hostfwd", parse("{\"execute\":\"list_hostfwd\"}\u0000\u00ff").execute().text);
        byte[] buf = "{\"execute\":\"list_hostfwd\"}{{{{".getBytes(StandardCharsets.UTF_8);
        assertNull(ApiRequest.parse(buf, 20), "the length is the end, not the array's");
    }
}
