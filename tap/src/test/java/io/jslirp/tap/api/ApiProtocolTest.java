package io.jslirp.tap.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.PortForwards.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every request of issue 5 and every error, byte for byte against slirp4netns 1.2's replies. */
class ApiProtocolTest {
    private static final String ADD_8080 =
            "{\"execute\":\"add_hostfwd\",\"arguments\":{\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,"
            + "\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}}";

    private final InMemoryForwardTable table = new InMemoryForwardTable();
    private ApiProtocol api = new ApiProtocol(table, NetConfig.defaults());

    private String ask(String request) {
        byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
        return new String(api.handle(bytes, bytes.length), StandardCharsets.UTF_8);
    }

    private static String error(String desc) {
        return "{\"error\":{\"desc\":\"bad request: " + desc + "\"}}";
    }

    private static String add(String arguments) {
        return "{\"execute\":\"add_hostfwd\",\"arguments\":{" + arguments + "}}";
    }

    private ForwardTable.Entry only() {
        List<ForwardTable.Entry> entries = table.list();
        assertEquals(1, entries.size(), entries.toString());
        return entries.get(0);
    }

    @Test
    void addReturnsIdsFromOne() {
        assertEquals("{\"return\":{\"id\":1}}", ask(ADD_8080));
        assertEquals("{\"return\":{\"id\":2}}", ask(ADD_8080.replace("\"tcp\"", "\"udp\"")));
        ForwardTable.Entry tcp = table.list().get(0);
        assertEquals(Protocol.TCP, tcp.protocol());
        assertEquals("0.0.0.0", tcp.hostAddr().getHostAddress());
        assertEquals(8080, tcp.hostPort());
        assertEquals(NetConfig.parseIpv4("10.0.2.100"), tcp.guestAddr());
        assertEquals(80, tcp.guestPort());
        assertEquals(Protocol.UDP, table.list().get(1).protocol());
    }

    @Test
    void requestAsClientsSendItWithNewlineAndSpaces() {
        assertEquals("{\"return\":{\"id\":1}}", ask("{ \"execute\": \"add_hostfwd\", \"arguments\": {\"proto\": \"tcp\", "
                + "\"host_port\": 8080, \"guest_port\": 80}}\n"));
    }

    @Test
    void missingOrEmptyHostAddrIsAnyAndGuestAddrIsNetworkPlus100() {
        assertEquals("{\"return\":{\"id\":1}}", ask(add("\"proto\":\"tcp\",\"host_port\":8080,\"guest_port\":80")));
        assertEquals("0.0.0.0", only().hostAddr().getHostAddress());
        assertEquals(NetConfig.parseIpv4("10.0.2.100"), only().guestAddr());
        table.remove(1);
        assertEquals("{\"return\":{\"id\":2}}",
                ask(add("\"proto\":\"tcp\",\"host_addr\":\"\",\"host_port\":8080,\"guest_addr\":\"\",\"guest_port\":80")));
        assertEquals("0.0.0.0", only().hostAddr().getHostAddress());
        assertEquals(NetConfig.parseIpv4("10.0.2.100"), only().guestAddr());
        table.remove(2);
        assertEquals("{\"return\":{\"id\":3}}",
                ask(add("\"proto\":\"tcp\",\"host_addr\":null,\"host_port\":8080,\"guest_addr\":null,\"guest_port\":80")));
        assertEquals("0.0.0.0", only().hostAddr().getHostAddress());
    }

    @Test
    void defaultGuestFollowsTheCidr() {
        // The table lists an unnamed guest address as its network+100 (PortForwards does, from its NetConfig).
        InMemoryForwardTable other = new InMemoryForwardTable(NetConfig.of("10.0.3.0/24", 1500));
        api = new ApiProtocol(other, NetConfig.of("10.0.3.0/24", 1500));
        ask(add("\"proto\":\"udp\",\"host_port\":5353,\"guest_port\":53"));
        assertEquals(NetConfig.parseIpv4("10.0.3.100"), other.list().get(0).guestAddr());
        assertTrue(ask("{\"execute\":\"list_hostfwd\"}").contains("\"guest_addr\":\"10.0.3.100\""));
    }

    private void withIpv6() {
        api = new ApiProtocol(table, NetConfig.defaults().withIpv6(Ipv6Config.defaults(1500)));
    }

    @Test
    void anAbsentGuestAddrNamesNoneAndIsListedAsNetworkPlus100() {
        withIpv6();
        ask(add("\"proto\":\"tcp\",\"host_addr\":\"::\",\"host_port\":8080,\"guest_port\":80"));
        assertFalse(only().guestAddressNamed(), "the family rule decides per client");
        assertEquals("{\"return\":{\"entries\":["
                + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"::\",\"host_port\":8080,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}"
                + "]}}", ask("{\"execute\":\"list_hostfwd\"}"));
    }

    @Test
    void ipv6GuestAddressesAreNamedAndListedInRfc5952Text() throws Exception {
        withIpv6();
        assertEquals("{\"return\":{\"id\":1}}", ask(add("\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":8443,"
                + "\"guest_addr\":\"fd00::100\",\"guest_port\":443")));
        assertEquals("{\"return\":{\"id\":2,\"host_port\":40000}}", ask(add("\"proto\":\"udp\",\"host_port\":0,"
                + "\"guest_addr\":\"FD00:0:0:0:0:0:0:ABC\",\"guest_port\":53")));
        assertEquals("{\"return\":{\"id\":3}}", ask(add("\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,"
                + "\"guest_addr\":\"10.0.2.15\",\"guest_port\":80")));
        assertEquals("{\"return\":{\"id\":4}}", ask(add("\"proto\":\"tcp\",\"host_port\":8081,"
                + "\"guest_addr\":\"::ffff:10.0.2.16\",\"guest_port\":80")));
        List<ForwardTable.Entry> e = table.list();
        assertEquals(java.net.InetAddress.getByName("fd00::100"), e.get(0).guestAddress());
        assertTrue(e.get(0).guestAddressNamed());
        assertEquals(0, e.get(0).guestAddr(), "no IPv4 guest address");
        assertTrue(e.get(2).guestAddressNamed(), "an IPv4 guest_addr names IPv4");
        assertEquals(NetConfig.parseIpv4("10.0.2.15"), e.get(2).guestAddr());
        assertEquals(NetConfig.parseIpv4("10.0.2.16"), e.get(3).guestAddr(), "IPv4-mapped is IPv4");
        assertEquals("{\"return\":{\"entries\":["
                + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":8443,\"guest_addr\":\"fd00::100\",\"guest_port\":443},"
                + "{\"id\":2,\"proto\":\"udp\",\"host_addr\":\"0.0.0.0\",\"host_port\":40000,\"guest_addr\":\"fd00::abc\",\"guest_port\":53},"
                + "{\"id\":3,\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,\"guest_addr\":\"10.0.2.15\",\"guest_port\":80},"
                + "{\"id\":4,\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8081,\"guest_addr\":\"10.0.2.16\",\"guest_port\":80}"
                + "]}}", ask("{\"execute\":\"list_hostfwd\"}"));
        assertEquals("{\"return\":{}}", ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}"));
        assertFalse(ask("{\"execute\":\"list_hostfwd\"}").contains("fd00::100"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::100%tap0", "[fd00::100]", "fd00:::100", "fd00::g", "fd00::100/64", "fd00::1::2", " fd00::100",
        "fd00:0:0:0:0:0:0:0:100"})
    void badIpv6GuestAddr(String guestAddr) {
        withIpv6();
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"),
                ask(add("\"proto\":\"tcp\",\"host_port\":8080,\"guest_addr\":\"" + guestAddr + "\",\"guest_port\":80")));
        assertTrue(table.list().isEmpty());
    }

    @Test
    void anIpv6GuestAddrWithoutIpv6IsABadGuestAddrAsInSlirp4netns() {
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"),
                ask(add("\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":8080,\"guest_addr\":\"fd00::100\",\"guest_port\":80")));
        // the field order holds: a bad port after it is not reached, a bad host_addr before it is
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"),
                ask(add("\"proto\":\"tcp\",\"host_port\":8080,\"guest_addr\":\"fd00::100\",\"guest_port\":0")));
        assertEquals(error("add_hostfwd: bad arguments.host_addr"),
                ask(add("\"proto\":\"tcp\",\"host_addr\":\"::g\",\"host_port\":8080,\"guest_addr\":\"fd00::100\",\"guest_port\":80")));
        assertTrue(table.list().isEmpty());
    }

    @Test
    void numbersAreTruncatedAndExtraKeysIgnored() {
        assertEquals("{\"return\":{\"id\":1}}", ask("{\"execute\":\"add_hostfwd\",\"comment\":[1,{}],\"arguments\":{"
                + "\"proto\":\"tcp\",\"host_port\":8091.9,\"guest_port\":80.99,\"x\":true}}"));
        assertEquals(8091, only().hostPort());
        assertEquals(80, only().guestPort());
    }

    @Test
    void ofTwoObjectsOnlyTheFirstIsExecuted() {
        assertEquals("{\"return\":{\"id\":1}}", ask(ADD_8080 + "\n" + ADD_8080.replace("8080", "8081")));
        assertEquals(8080, only().hostPort());
        assertTrue(ask("{\"execute\":\"list_hostfwd\"}{\"execute\":\"bogus\"}garbage").startsWith("{\"return\":{\"entries\":[{\"id\":1,"));
    }

    @Test
    void removeThenTheIdIsGoneAndNeverReused() {
        ask(ADD_8080);
        assertEquals("{\"return\":{}}", ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}"));
        assertTrue(table.list().isEmpty());
        assertEquals(error("remove_hostfwd: bad arguments.id"), ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1}}"));
        assertEquals("{\"return\":{\"id\":2}}", ask(ADD_8080));
        assertEquals("{\"return\":{}}", ask("{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":2.7}}"));
    }

    @Test
    void listInTheDocumentedFormWithKeysInSlirp4netnsOrder() {
        assertEquals("{\"return\":{\"entries\":[]}}", ask("{\"execute\":\"list_hostfwd\"}"));
        ask(ADD_8080);
        ask(add("\"proto\":\"udp\",\"host_addr\":\"127.0.0.1\",\"host_port\":5353,\"guest_addr\":\"10.0.2.15\",\"guest_port\":53"));
        assertEquals("{\"return\":{\"entries\":["
                + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"0.0.0.0\",\"host_port\":8080,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80},"
                + "{\"id\":2,\"proto\":\"udp\",\"host_addr\":\"127.0.0.1\",\"host_port\":5353,\"guest_addr\":\"10.0.2.15\",\"guest_port\":53}"
                + "]}}", ask("{\"execute\":\"list_hostfwd\",\"arguments\":{\"ignored\":1}}"));
    }

    @Test
    void hostPortZeroPicksAFreePortAndSaysWhich() {
        assertEquals("{\"return\":{\"id\":1,\"host_port\":40000}}", ask(add("\"proto\":\"tcp\",\"host_port\":0,\"guest_port\":80")));
        assertEquals("{\"return\":{\"id\":2,\"host_port\":40001}}", ask(add("\"proto\":\"udp\",\"host_port\":0.4,\"guest_port\":80")));
        assertEquals(40000, table.list().get(0).hostPort());
        assertTrue(ask("{\"execute\":\"list_hostfwd\"}").contains("\"host_port\":40000,"));
    }

    @Test
    void ipv6HostAddressesForwardIntoTheIpv4Guest() {
        assertEquals("{\"return\":{\"id\":1}}", ask(add("\"proto\":\"tcp\",\"host_addr\":\"::\",\"host_port\":8080,\"guest_port\":80")));
        assertEquals("{\"return\":{\"id\":2}}", ask(add("\"proto\":\"tcp\",\"host_addr\":\"0:0:0:0:0:0:0:1\",\"host_port\":8080,\"guest_port\":80")));
        assertEquals(16, table.list().get(1).hostAddr().getAddress().length);
        assertEquals("{\"return\":{\"entries\":["
                + "{\"id\":1,\"proto\":\"tcp\",\"host_addr\":\"::\",\"host_port\":8080,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80},"
                + "{\"id\":2,\"proto\":\"tcp\",\"host_addr\":\"::1\",\"host_port\":8080,\"guest_addr\":\"10.0.2.100\",\"guest_port\":80}"
                + "]}}", ask("{\"execute\":\"list_hostfwd\"}"));
    }

    @Test
    void ipv4MappedIsTheIpv4Address() {
        ask(add("\"proto\":\"tcp\",\"host_addr\":\"::ffff:127.0.0.1\",\"host_port\":8080,\"guest_port\":80"));
        assertEquals(4, only().hostAddr().getAddress().length);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\n", "{", "{\"execute\":\"list_hostfwd\"", "nope", "{'execute':'list_hostfwd'}",
        "{\"execute\":\"list_hostfwd\",}", "{\"execute\":\"list_hostfwd\",\"execute\":\"list_hostfwd\"}",
        "{\"execute\":\"x\" /* c */}", "\u0000{\"execute\":\"list_hostfwd\"}"})
    void cannotParseJson(String request) {
        assertEquals(error("cannot parse JSON"), ask(request));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "\"str\"", "42", "null", "true", "[{\"execute\":\"list_hostfwd\"}]"})
    void jsonObjectFailed(String request) {
        assertEquals(error("json_object() failed"), ask(request));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{}", "{\"execute\":42}", "{\"execute\":null}", "{\"execute\":{}}", "{\"Execute\":\"list_hostfwd\"}"})
    void noExecuteFound(String request) {
        assertEquals(error("no execute found"), ask(request));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"execute\":\"foo\"}", "{\"execute\":\"\"}", "{\"execute\":\"LIST_HOSTFWD\"}",
        "{\"execute\":\"list_hostfwd \"}"})
    void unknownExecute(String request) {
        assertEquals(error("unknown execute"), ask(request));
    }

    @Test
    void tooLargeFrom4096Bytes() {
        String padding = " ".repeat(ApiProtocol.MAX_REQUEST - 1 - "{\"execute\":\"list_hostfwd\"}".length());
        String fits = "{\"execute\":\"list_hostfwd\"}" + padding;
        assertEquals(4095, fits.length());
        assertEquals("{\"return\":{\"entries\":[]}}", ask(fits));
        assertEquals(error("too large message"), ask(fits + " "));
        assertEquals(error("too large message"), ask("x".repeat(10_000)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"host_port\":8080,\"guest_port\":80", "\"proto\":\"sctp\",\"host_port\":8080,\"guest_port\":80",
        "\"proto\":\"TCP\",\"host_port\":8080,\"guest_port\":80", "\"proto\":6,\"host_port\":8080,\"guest_port\":80",
        "\"proto\":null", "\"proto\":\"tcp \",\"host_port\":8080,\"guest_port\":80"})
    void badProto(String arguments) {
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask(add(arguments)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"execute\":\"add_hostfwd\"}", "{\"execute\":\"add_hostfwd\",\"arguments\":5}",
        "{\"execute\":\"add_hostfwd\",\"arguments\":[\"tcp\"]}", "{\"execute\":\"add_hostfwd\",\"proto\":\"tcp\"}"})
    void missingArgumentsIsABadProtoWhereSlirp4netnsCrashes(String request) {
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask(request));
        assertEquals("{\"return\":{\"entries\":[]}}", ask("{\"execute\":\"list_hostfwd\"}"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "1.2.3", "1.2.3.4.5", "256.0.0.1", "010.0.0.1", " 1.2.3.4", "::1%lo", "[::1]",
        "fe80::1::2", "example.com"})
    void badHostAddr(String hostAddr) {
        assertEquals(error("add_hostfwd: bad arguments.host_addr"),
                ask(add("\"proto\":\"tcp\",\"host_addr\":\"" + hostAddr + "\",\"host_port\":8080,\"guest_port\":80")));
    }

    @Test
    void hostAddrOfAnotherTypeIsBadRatherThanEveryInterface() {
        assertEquals(error("add_hostfwd: bad arguments.host_addr"),
                ask(add("\"proto\":\"tcp\",\"host_addr\":2130706433,\"host_port\":8080,\"guest_port\":80")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\"host_port\":\"8080\",", "\"host_port\":-1,", "\"host_port\":65536,", "\"host_port\":true,",
        "\"host_port\":null,", "\"host_port\":1e20,", "\"host_port\":[8080],"})
    void badHostPort(String hostPort) {
        assertEquals(error("add_hostfwd: bad arguments.host_port"), ask(add("\"proto\":\"tcp\"," + hostPort + "\"guest_port\":80")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.2", "::1", "host", "10.0.2.0100", "10.0.2.256"})
    void badGuestAddr(String guestAddr) {
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"),
                ask(add("\"proto\":\"tcp\",\"host_port\":8080,\"guest_addr\":\"" + guestAddr + "\",\"guest_port\":80")));
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"),
                ask(add("\"proto\":\"tcp\",\"host_port\":8080,\"guest_addr\":167772772,\"guest_port\":80")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ",\"guest_port\":0", ",\"guest_port\":0.5", ",\"guest_port\":65536", ",\"guest_port\":\"80\"",
        ",\"guest_port\":-80"})
    void badGuestPort(String guestPort) {
        assertEquals(error("add_hostfwd: bad arguments.guest_port"), ask(add("\"proto\":\"tcp\",\"host_port\":8080" + guestPort)));
    }

    @Test
    void theFirstBadFieldInSlirp4netnsOrderIsNamed() {
        assertEquals(error("add_hostfwd: bad arguments.proto"), ask(add("\"proto\":\"x\",\"host_addr\":\"x\"")));
        assertEquals(error("add_hostfwd: bad arguments.host_addr"), ask(add("\"proto\":\"tcp\",\"host_addr\":\"x\",\"host_port\":\"x\"")));
        assertEquals(error("add_hostfwd: bad arguments.host_port"), ask(add("\"proto\":\"tcp\",\"guest_addr\":\"x\"")));
        assertEquals(error("add_hostfwd: bad arguments.guest_addr"), ask(add("\"proto\":\"tcp\",\"host_port\":1,\"guest_addr\":\"x\"")));
        assertTrue(table.list().isEmpty());
    }

    @Test
    void refusedByTheTableIsSlirpAddHostfwdFailed() {
        assertEquals("{\"return\":{\"id\":1}}", ask(ADD_8080));
        assertEquals(error("add_hostfwd: slirp_add_hostfwd failed"), ask(ADD_8080));
        table.refuse(80, HostSockets.EACCES);
        assertEquals(error("add_hostfwd: slirp_add_hostfwd failed"), ask(add("\"proto\":\"tcp\",\"host_port\":80,\"guest_port\":80")));
        table.refuse(8081, HostSockets.EADDRINUSE);
        assertEquals(error("add_hostfwd: slirp_add_hostfwd failed"), ask(add("\"proto\":\"udp\",\"host_port\":8081,\"guest_port\":80")));
        assertEquals("{\"return\":{\"id\":2}}", ask(ADD_8080.replace("8080", "8082")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"execute\":\"remove_hostfwd\"}", "{\"execute\":\"remove_hostfwd\",\"arguments\":{}}",
        "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":\"1\"}}", "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":99}}",
        "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":0}}", "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":1e300}}",
        "{\"execute\":\"remove_hostfwd\",\"arguments\":[1]}", "{\"execute\":\"remove_hostfwd\",\"arguments\":{\"id\":-4294967295}}"})
    void removeBadId(String request) {
        ask(ADD_8080);
        assertEquals(error("remove_hostfwd: bad arguments.id"), ask(request));
        assertEquals(1, table.list().size());
    }

    @Test
    void answersOnlyTheGivenLength() {
        byte[] buf = Arrays.copyOf("{\"execute\":\"list_hostfwd\"}".getBytes(StandardCharsets.UTF_8), 100);
        Arrays.fill(buf, 26, 100, (byte) '{');
        assertEquals("{\"return\":{\"entries\":[]}}", new String(api.handle(buf, 26), StandardCharsets.UTF_8));
    }
}
