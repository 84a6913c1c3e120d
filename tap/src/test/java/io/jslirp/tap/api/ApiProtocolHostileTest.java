package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jslirp.stack.NetConfig;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile requests, each reply as the jackson-databind build answered it, byte for byte: the streaming reader
 * and the hand-written replies that replaced it must not change a runtime's view.
 */
class ApiProtocolHostileTest {
    private static final String EMPTY = "{\"return\":{\"entries\":[]}}";

    private final InMemoryForwardTable table = new InMemoryForwardTable();
    private final ApiProtocol api = new ApiProtocol(table, NetConfig.defaults());

    private String ask(String request) {
        return ask(request.getBytes(StandardCharsets.UTF_8));
    }

    private String ask(byte[] request) {
        return new String(api.handle(request, request.length), StandardCharsets.UTF_8);
    }

    private static String error(String desc) {
        return "{\"error\":{\"desc\":\"bad request: " + desc + "\"}}";
    }

    private static String add(String arguments) {
        return "{\"execute\":\"add_hostfwd\",\"arguments\":{" + arguments + "}}";
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"execute\":\"list_hostfwd\",\"x\":{\"a\":1,\"a\":2}}", "{\"execute\":\"list_hostfwd\",\"x\":[{\"a\":1,\"a\":2}]}",
        "{\"execute\":\"list_hostfwd\",\"arguments\":{},\"arguments\":{}}", "{\"execute\":\"list_hostfwd\",\"ignored\":1e}",
        "{\"execute\":\"list_hostfwd\",\"x\":\"\\u004g\"}", "[[[[]]]", "{\"execute\":\"list_hostfwd\",\"execute\":\"bogus\"}"})
    void anythingWrongAnywhereInTheFirstValueIsUnparsable(String request) {
        assertEquals(error("cannot parse JSON"), ask(request));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"execute\":\"list_hostfwd\",\"x\":[[[[{\"y\":[1,2,{\"z\":null}]}]]]]}",
        "{\"execute\":\"list_hostfwd\",\"x\":[{\"a\":1},{\"a\":2}]}", "{\"a\":{\"b\":1},\"b\":{\"b\":1},\"execute\":\"list_hostfwd\"}",
        "{\"execute\":\"list_hostfwd\",\"ignored\":1e999999999999999999999999999999}", "{\"execute\":\"list_\\u0068ostfwd\"}",
        "{\"\\u0065xecute\":\"list_hostfwd\"}", "\t\r\n {\"execute\":\"list_hostfwd\"}", "\ufeff{\"execute\":\"list_hostfwd\"}",
        "{\"execute\":\"list_hostfwd\"}garbage", "{\"execute\":\"list_hostfwd\"}{\"execute\":\"add_hostfwd\"}"})
    void wellFormedAndListed(String request) {
        assertEquals(EMPTY, ask(request));
    }

    @Test
    void utf16IsJsonToo() {
        assertEquals(EMPTY, ask("{\"execute\":\"list_hostfwd\"}".getBytes(StandardCharsets.UTF_16LE)));
    }

    @Test
    void numbers() {
        assertEquals(error("add_hostfwd: bad arguments.host_port"), ask(add("\"proto\":\"tcp\",\"host_port\":1e400,\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.host_port"),
                ask(add("\"proto\":\"tcp\",\"host_port\":65535.99999999999999999,\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.host_port"),
                ask(add("\"proto\":\"tcp\",\"host_port\":99999999999999999999999,\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.guest_port"), ask(add("\"proto\":\"tcp\",\"host_port\":1,\"guest_port\":-1e400")));
        assertEquals("{\"return\":{\"id\":1,\"host_port\":40000}}", ask(add("\"proto\":\"tcp\",\"host_port\":-0.9,\"guest_port\":80")));
        assertEquals("{\"return\":{\"id\":2}}", ask(add("\"proto\":\"tcp\",\"host_port\":65535.9999,\"guest_port\":8.08e3")));
        assertEquals(error("remove_hostfwd: bad arguments.id"), ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":4294967297}}"));
        assertEquals(error("remove_hostfwd: bad arguments.id"), ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":-0.5}}"));
        assertEquals("{\"return\":{}}", ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1.999}}"));
        assertEquals("{\"return\":{\"entries\":[{\"id\":2,\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":65535,"
                + "\"guest_addr\":\"10.0.2.100\",\"guest_port\":8080}]}}", ask("{\"execute\":\"list_hostfwd\"}"));
    }

    @Test
    void escapesAndNonAscii() {
        assertEquals("{\"return\":{\"id\":1}}", ask(add("\"proto\":\"t\\u0063p\",\"host_port\":1,\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask(add("\"proto\":\"tcp\\u0000\",\"host_port\":2,\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask(add("\"proto\":\"\u00fcdp\",\"host_port\":2,\"guest_port\":80")));
        assertEquals(error("unknown execute"), ask("{\"execute\":\"\\ud83d\\ude00\"}"));
        assertEquals(error("no execute found"), ask("{\"ex\u00e9cute\":\"list_hostfwd\"}"));
        assertEquals(error("add_hostfwd: bad arguments.host_addr"),
                ask(add("\"proto\":\"tcp\",\"host_addr\":\"\u00e9::1\",\"host_port\":2,\"guest_port\":80")));
        assertEquals(error("cannot parse JSON"), ask(new byte[] {'{', '"', 'e', 'x', 'e', 'c', 'u', 't', 'e', '"', ':', '"', (byte) 0xc3, '"', '}'}));
    }

    @Test
    void argumentsOutOfOrderOrNoObject() {
        assertEquals("{\"return\":{\"id\":1}}",
                ask("{\"arguments\":{\"proto\":\"tcp\",\"host_port\":30001,\"guest_port\":80},\"execute\":\"add_hostfwd\"}"));
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask("{\"execute\":\"add_hostfwd\",\"arguments\":null}"));
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask("{\"execute\":\"add_hostfwd\",\"arguments\":\"x\"}"));
        assertEquals(error("remove_hostfwd: bad arguments.id"), ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"x\":{\"id\":1}}}"));
    }
}
