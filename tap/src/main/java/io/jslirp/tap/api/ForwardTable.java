package io.jslirp.tap.api;

import io.jslirp.stack.PortForwards;
import io.jslirp.stack.PortForwards.ForwardException;
import io.jslirp.stack.PortForwards.Protocol;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What the API socket changes: the session's {@link PortForwards}, seen through the three operations the
 * protocol needs. An interface rather than {@code PortForwards} itself so that {@link ApiProtocol} can be
 * tested byte for byte against a table in memory; {@link #of(PortForwards)} is the real one.
 */
public interface ForwardTable {
    /**
     * One forward as the API reports it; {@code hostPort} is the port bound. {@code guestAddress} is the guest
     * address named when the forward was added, or, when none was ({@code guestAddressNamed} false), network+100,
     * which is what {@code list_hostfwd} shows for it, as slirp4netns does.
     */
    record Entry(int id, Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddress,
                 boolean guestAddressNamed, int guestPort) {
        public Entry {
            Objects.requireNonNull(protocol, "protocol");
            Objects.requireNonNull(hostAddr, "hostAddr");
            Objects.requireNonNull(guestAddress, "guestAddress");
        }

        /** The guest address if IPv4, in host order; 0 for an IPv6 one. */
        public int guestAddr() {
            return guestAddress instanceof Inet4Address v4 ? PortForwards.ipv4(v4) : 0;
        }
    }

    /**
     * As {@link PortForwards#add}: host port 0 takes a free port, which the entry carries; a null
     * {@code guestAddr} names none (the family rule picks one per client).
     */
    Entry add(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort)
            throws ForwardException;

    /** As {@link PortForwards#remove}: false for an id that is not (or no longer) in the table. */
    boolean remove(int id);

    /** The forwards in the order they were added. */
    List<Entry> list();

    /** The session's table; like it, to be used on the event-loop thread only. */
    static ForwardTable of(PortForwards forwards) {
        Objects.requireNonNull(forwards, "forwards");
        return new ForwardTable() {
            @Override
            public Entry add(Protocol protocol, InetAddress hostAddr, int hostPort, InetAddress guestAddr, int guestPort)
                    throws ForwardException {
                return entryOf(forwards.add(protocol, hostAddr, hostPort, guestAddr, guestPort));
            }

            @Override
            public boolean remove(int id) {
                return forwards.remove(id);
            }

            @Override
            public List<Entry> list() {
                List<Entry> entries = new ArrayList<>();
                for (PortForwards.Forward f : forwards.list()) {
                    entries.add(entryOf(f));
                }
                return entries;
            }
        };
    }

    private static Entry entryOf(PortForwards.Forward f) {
        return new Entry(f.id(), f.protocol(), f.hostAddr(), f.hostPort(), f.guestAddress(), f.guestAddressNamed(),
                f.guestPort());
    }
}
