package io.jslirp.tap.api;

import io.jslirp.stack.NetConfig;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.PortForwards.ForwardException;
import io.jslirp.stack.PortForwards.Protocol;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A forward table with PortForwards' rules and no sockets: ids from 1 never reused, the same protocol,
 * address and port refused twice, port 0 given the next of 40000, 40001..., and ports a test marks as
 * refused by "the kernel", and a forward that names no guest address listed as network+100.
 */
final class InMemoryForwardTable implements ForwardTable {
    static final int FIRST_FREE_PORT = 40000;

    private final InetAddress defaultGuest;

    InMemoryForwardTable() {
        this(NetConfig.defaults());
    }

    InMemoryForwardTable(NetConfig net) {
        int g = net.guestAddress();
        try {
            defaultGuest = InetAddress.getByAddress(new byte[] {(byte) (g >>> 24), (byte) (g >>> 16), (byte) (g >>> 8), (byte) g});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private final Map<Integer, Entry> byId = new LinkedHashMap<>();
    private final Map<Integer, Integer> refusedPorts = new HashMap<>();
    private int lastId;
    private int nextFreePort = FIRST_FREE_PORT;

    /** Makes adding a forward on {@code hostPort} fail as the kernel would, with {@code errno}. */
    void refuse(int hostPort, int errno) {
        refusedPorts.put(hostPort, errno);
    }

    @Override
    public Entry add(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort)
            throws ForwardException {
        Integer errno = refusedPorts.get(hostPort);
        if (errno != null) {
            throw new ForwardException(errno, "refused by the test");
        }
        for (Entry e : byId.values()) {
            if (hostPort != 0 && e.protocol() == protocol && e.hostPort() == hostPort && e.hostAddr().equals(hostAddr)) {
                throw new ForwardException(HostSockets.EADDRINUSE, "already forwarded");
            }
        }
        int bound = hostPort != 0 ? hostPort : nextFreePort++;
        Entry e = new Entry(++lastId, protocol, hostAddr, bound, guestAddr == null ? defaultGuest : guestAddr, guestAddr != null,
                guestPort);
        byId.put(e.id(), e);
        return e;
    }

    @Override
    public boolean remove(int id) {
        return byId.remove(id) != null;
    }

    @Override
    public List<Entry> list() {
        return new ArrayList<>(byId.values());
    }
}
