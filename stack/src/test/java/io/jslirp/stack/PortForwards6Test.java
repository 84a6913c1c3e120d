package io.jslirp.stack;

import io.jslirp.stack.PortForwards.ForwardException;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.stack.testing.Frames;
import io.jslirp.stack.testing.StackHarness;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The forward table's guest addresses of either family: what it accepts, what it refuses and in which words,
 * and what a forward reports (list_hostfwd's fields) for each way of naming, or not naming, the guest.
 */
class PortForwards6Test extends StackHarness {
    static final NetConfig NET6 = Frames.NET.withIpv6(Ipv6Config.defaults(1500));

    @Override
    protected NetConfig net() {
        return NET6;
    }

    static InetAddress a(String literal) throws Exception {
        return InetAddress.getByName(literal);
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void anUnnamedGuestShowsTheIpv4DefaultAndSaysItWasNotNamed(Protocol p) throws Exception {
        PortForwards.Forward f = stack.forwards().add(p, a("::1"), 0, (InetAddress) null, 80);
        assertEquals(a("10.0.2.100"), f.guestAddress());
        assertFalse(f.guestAddressNamed());
        assertEquals(NET6.guestAddress(), f.guestAddr());
        assertTrue(f.toString().endsWith(" [::1]:" + f.hostPort() + " -> 10.0.2.100:80"), f.toString());
    }

    @ParameterizedTest
    @EnumSource(Protocol.class)
    void anIpv6GuestIsNamedAndHasNoIpv4Address(Protocol p) throws Exception {
        PortForwards.Forward f = stack.forwards().add(p, a("127.0.0.1"), 0, a("fd00::100"), 443);
        assertInstanceOf(Inet6Address.class, f.guestAddress());
        assertEquals(a("fd00::100"), f.guestAddress());
        assertTrue(f.guestAddressNamed());
        assertEquals(0, f.guestAddr());
        assertTrue(f.toString().endsWith(" 127.0.0.1:" + f.hostPort() + " -> [fd00::100]:443"), f.toString());
    }

    @Test
    void anIpv4MappedGuestIsIpv4() throws Exception {
        byte[] mapped = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 10, 0, 2, 15};
        PortForwards.Forward f = stack.forwards().add(Protocol.TCP, a("::"), 0, InetAddress.getByAddress(mapped), 22);
        assertInstanceOf(Inet4Address.class, f.guestAddress());
        assertEquals(NetConfig.parseIpv4("10.0.2.15"), f.guestAddr());
        assertTrue(f.guestAddressNamed());
    }

    @Test
    void theIntOverloadStillMeansIpv4Named() throws Exception {
        PortForwards.Forward f = stack.forwards().add(Protocol.UDP, a("0.0.0.0"), 0, NET6.guestAddress(), 53);
        assertEquals(a("10.0.2.100"), f.guestAddress());
        assertTrue(f.guestAddressNamed());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::", "fd00::2", "fd00::3", "fd01::100", "fe80::100", "::1", "ff02::1",
            "2001:db8::100"})
    void anIpv6GuestOutsideThePrefixOrReservedInItIsRefused(String guest) throws Exception {
        ForwardException e = assertThrows(ForwardException.class,
                () -> stack.forwards().add(Protocol.TCP, a("::1"), 0, a(guest), 80));
        assertEquals(PortForwards.EINVAL, e.errno());
        assertEquals("guest address is not a guest of fd00::/64: " + Ipv6Config.format(
                io.jslirp.stack.testing.Ipv6Frames.hi(guest), io.jslirp.stack.testing.Ipv6Frames.lo(guest)),
                e.getMessage());
        assertEquals(0, stack.forwards().size());
        assertTrue(host.listeners().isEmpty(), "refused before any socket");
    }

    @Test
    void anIpv6GuestWithoutIpv6IsRefused() throws Exception {
        Stack v4only = new Stack(Frames.NET, clock, sink, io.netty.buffer.PooledByteBufAllocator.DEFAULT, host,
                io.jslirp.stack.relay.RelayOptions.defaults());
        try {
            ForwardException e = assertThrows(ForwardException.class,
                    () -> v4only.forwards().add(Protocol.UDP, a("::1"), 0, a("fd00::100"), 80));
            assertEquals(PortForwards.EINVAL, e.errno());
            assertEquals("IPv6 is not enabled (-6): cannot forward to fd00::100", e.getMessage());
            assertNull(v4only.guestAddress6());
            assertThrows(IllegalStateException.class, () -> v4only.setGuestAddress6(a("fd00::100")));
            // Unnamed still works: IPv4 for everyone.
            assertEquals(a("10.0.2.100"), v4only.forwards().add(Protocol.TCP, a("::1"), 0, (InetAddress) null, 80)
                    .guestAddress());
        } finally {
            v4only.close();
        }
    }

    @Test
    void anIpv4GuestOutsideTheNetworkKeepsTodaysMessage() {
        ForwardException e = assertThrows(ForwardException.class,
                () -> stack.forwards().add(Protocol.TCP, a("::1"), 0, a("192.168.1.1"), 80));
        assertEquals("guest address is not a guest of 10.0.2.0/24: 192.168.1.1", e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fd00::2", "fd00::", "fe80::100", "10.0.2.100", "fd01::5"})
    void theStatedGuestAddressMustBeAGuestOfThePrefix(String bad) {
        assertThrows(IllegalArgumentException.class, () -> stack.setGuestAddress6(a(bad)));
        assertNull(stack.guestAddress6());
    }

    @Test
    void theStatedGuestAddressIsReported() throws Exception {
        stack.setGuestAddress6(a("fd00::100"));
        assertEquals(a("fd00::100"), stack.guestAddress6());
    }

    @Test
    void aRefusedIpv6ListenerIsNamedInShortBracketedForm() {
        host.failNextListen = io.jslirp.stack.relay.HostSockets.EADDRINUSE;
        ForwardException e = assertThrows(ForwardException.class,
                () -> stack.forwards().add(Protocol.TCP, a("::1"), 8080, (InetAddress) null, 80));
        assertEquals("cannot listen on [::1]:8080 (errno 98)", e.getMessage());
        assertEquals(98, e.errno());
    }
}
