package io.jslirp.tap.api;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards.ForwardException;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.api.ApiRequest.Kind;
import io.jslirp.tap.api.ApiRequest.Value;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The slirp4netns 1.2 API: the bytes of one request in, the bytes of one reply out. No I/O; the
 * {@link ApiServer} frames requests and moves the bytes. Event-loop thread only, because the table is.
 *
 * <p>Every decision follows what slirp4netns's {@code api.c} does with its parson parser, so that a runtime
 * sees the same bytes; where slirp4netns crashes or says nothing, the choice made here is marked. Field by
 * field, in slirp4netns's order (the first bad field is the one reported):
 * <ul>
 *   <li>a string is taken only from a JSON string: a missing, {@code null} or {@code ""} host_addr means
 *       0.0.0.0, and such a guest_addr names no guest address (listed as network+100, as slirp4netns shows it;
 *       IPv6 clients reach the guest's IPv6 address when it has one, see {@link io.jslirp.stack.PortForwards}).
 *       Another type is a bad field here (slirp4netns would silently take the default, which for host_addr
 *       means listening on every interface);</li>
 *   <li>beyond slirp4netns, host_addr and guest_addr may be IPv6 literals ({@code ::1}, {@code fd00::100});
 *       an IPv6 guest_addr without -6 is a bad guest_addr, as slirp4netns says of every IPv6 one, and one
 *       outside the guest's prefix is refused by the table (slirp_add_hostfwd failed), as an IPv4 one outside
 *       the network is;</li>
 *   <li>a number is taken only from a JSON number and truncated toward zero, as C's {@code (int)} cast of
 *       parson's double: 8091.9 is 8091. A missing number or one of another type is parson's 0;</li>
 *   <li>host_port 0 asks for a free port (slirp4netns refuses 0); the reply then says which.</li>
 * </ul>
 */
public final class ApiProtocol {
    /** A request of this many bytes or more is refused: slirp4netns reads once into a 4096-byte buffer. */
    public static final int MAX_REQUEST = 4096;

    static final String CANNOT_PARSE = "cannot parse JSON";
    static final String NOT_AN_OBJECT = "json_object() failed";
    static final String NO_EXECUTE = "no execute found";
    static final String UNKNOWN_EXECUTE = "unknown execute";
    static final String TOO_LARGE = "too large message";
    static final String BAD_PROTO = "add_hostfwd: bad arguments.proto";
    static final String BAD_HOST_ADDR = "add_hostfwd: bad arguments.host_addr";
    static final String BAD_HOST_PORT = "add_hostfwd: bad arguments.host_port";
    static final String BAD_GUEST_ADDR = "add_hostfwd: bad arguments.guest_addr";
    static final String BAD_GUEST_PORT = "add_hostfwd: bad arguments.guest_port";
    static final String ADD_FAILED = "add_hostfwd: slirp_add_hostfwd failed";
    static final String BAD_ID = "remove_hostfwd: bad arguments.id";

    /** Parson's answer for a number that is absent or not a number. */
    private static final long ABSENT = 0;

    private final ForwardTable table;
    private final NetConfig net;

    /** Loads nothing of Jackson: the server's first connection does ({@link ApiRequest#FACTORY}). */
    public ApiProtocol(ForwardTable table, NetConfig net) {
        this.table = Objects.requireNonNull(table, "table");
        this.net = Objects.requireNonNull(net, "net");
    }

    /**
     * Answers the request in {@code request[0..length)}. Only the first JSON value counts (what follows it
     * is ignored, as parson does). Never throws for bad input: every mistake has its error reply.
     */
    public byte[] handle(byte[] request, int length) {
        Objects.checkFromIndexSize(0, length, request.length);
        if (length >= MAX_REQUEST) {
            return error(TOO_LARGE);
        }
        ApiRequest root = ApiRequest.parse(request, length);
        if (root == null) {
            return error(CANNOT_PARSE);
        }
        if (!root.isObject()) {
            return error(NOT_AN_OBJECT); // [1,2], "str", 42 and null are JSON, but not objects
        }
        Value execute = root.execute();
        if (execute == null || execute.kind != Kind.STRING) {
            return error(NO_EXECUTE);
        }
        return switch (execute.text) {
            case "add_hostfwd" -> addHostfwd(root);
            case "remove_hostfwd" -> removeHostfwd(root);
            case "list_hostfwd" -> listHostfwd();
            default -> error(UNKNOWN_EXECUTE);
        };
    }

    private byte[] addHostfwd(ApiRequest arguments) {
        // slirp4netns dereferences a missing proto (or missing arguments) and crashes; here it is a bad proto.
        Value protoValue = arguments.argument("proto");
        String proto = protoValue != null && protoValue.kind == Kind.STRING ? protoValue.text : null;
        Protocol protocol;
        if ("tcp".equals(proto)) {
            protocol = Protocol.TCP;
        } else if ("udp".equals(proto)) {
            protocol = Protocol.UDP;
        } else {
            return error(BAD_PROTO);
        }
        InetAddress hostAddr;
        Value hostAddrValue = arguments.argument("host_addr");
        if (isAbsentText(hostAddrValue)) {
            hostAddr = HostAddresses.ANY4;
        } else {
            hostAddr = hostAddrValue.kind == Kind.STRING ? HostAddresses.parse(hostAddrValue.text) : null;
            if (hostAddr == null) {
                return error(BAD_HOST_ADDR);
            }
        }
        Value hostPortValue = arguments.argument("host_port");
        long hostPort = truncated(hostPortValue);
        // 0 from a number is a free port; parson's 0 for a missing or non-numeric field stays an error.
        if (!isNumber(hostPortValue) || hostPort < 0 || hostPort > 0xffff) {
            return error(BAD_HOST_PORT);
        }
        InetAddress guestAddr = null; // none named: the family rule, and network+100 in the list
        Value guestAddrValue = arguments.argument("guest_addr");
        if (!isAbsentText(guestAddrValue)) {
            guestAddr = guestAddrValue.kind == Kind.STRING ? HostAddresses.parse(guestAddrValue.text) : null;
            // An IPv6 guest address where the guest has no IPv6 is what slirp4netns says of every IPv6 one.
            if (guestAddr == null || (guestAddr instanceof Inet6Address && net.ipv6() == null)) {
                return error(BAD_GUEST_ADDR);
            }
        }
        long guestPort = truncated(arguments.argument("guest_port"));
        if (guestPort < 1 || guestPort > 0xffff) {
            return error(BAD_GUEST_PORT);
        }
        ForwardTable.Entry added;
        try {
            added = table.add(protocol, hostAddr, (int) hostPort, guestAddr, (int) guestPort);
        } catch (ForwardException e) {
            return error(ADD_FAILED); // in use, a duplicate, not permitted, a guest outside the network
        }
        StringBuilder reply = new StringBuilder(48).append("{\"return\":{\"id\":").append(added.id());
        if (hostPort == 0) {
            reply.append(",\"host_port\":").append(added.hostPort());
        }
        return bytes(reply.append("}}"));
    }

    private byte[] removeHostfwd(ApiRequest arguments) {
        long id = truncated(arguments.argument("id"));
        // An absent id is parson's 0, which no forward has; a huge one would be undefined in C's cast.
        if (id < Integer.MIN_VALUE || id > Integer.MAX_VALUE || !table.remove((int) id)) {
            return error(BAD_ID);
        }
        return bytes(new StringBuilder("{\"return\":{}}"));
    }

    /**
     * The documented form, {@code {"return":{"entries":[...]}}}; slirp4netns 1.2 itself sends the bare
     * {@code {"entries":[...]}}. Keys in slirp4netns's order.
     */
    private byte[] listHostfwd() {
        StringBuilder reply = new StringBuilder(256).append("{\"return\":{\"entries\":[");
        boolean first = true;
        for (ForwardTable.Entry e : table.list()) {
            reply.append(first ? "{\"id\":" : ",{\"id\":").append(e.id())
                    .append(",\"proto\":\"").append(e.protocol().wireName())
                    .append("\",\"host_addr\":\"").append(HostAddresses.format(e.hostAddr()))
                    .append("\",\"host_port\":").append(e.hostPort())
                    .append(",\"guest_addr\":\"").append(HostAddresses.format(e.guestAddress()))
                    .append("\",\"guest_port\":").append(e.guestPort()).append('}');
            first = false;
        }
        return bytes(reply.append("]}}"));
    }

    private static boolean isAbsentText(Value v) {
        return v == null || v.kind == Kind.NULL || (v.kind == Kind.STRING && v.text.isEmpty());
    }

    private static boolean isNumber(Value v) {
        return v != null && v.kind == Kind.NUMBER;
    }

    /** C's {@code (int)} of parson's double, saturating where C would be undefined; {@link #ABSENT} for a non-number. */
    private static long truncated(Value v) {
        return isNumber(v) ? (long) v.number : ABSENT;
    }

    private static byte[] error(String desc) {
        return bytes(new StringBuilder(64).append("{\"error\":{\"desc\":\"bad request: ").append(desc).append("\"}}"));
    }

    /**
     * Replies are written by hand, compact as Jackson wrote them: their only strings are the constants above,
     * "tcp" or "udp", and address literals ([0-9a-f.:]), none of which JSON escapes, and their numbers are ints.
     */
    private static byte[] bytes(StringBuilder reply) {
        return reply.toString().getBytes(StandardCharsets.UTF_8);
    }
}
