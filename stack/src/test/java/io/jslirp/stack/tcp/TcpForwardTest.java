package io.jslirp.stack.tcp;

import io.jslirp.stack.PortForwards;
import io.jslirp.stack.relay.HostSockets;
import io.jslirp.stack.relay.RelayOptions;
import io.jslirp.stack.testing.FakeHostSockets;
import io.jslirp.stack.testing.FakeHostSockets.Sock;
import io.jslirp.stack.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.jslirp.stack.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Port forwards into the guest: a host client accepted on a forward's listener becomes a connection we open
 * toward the guest (SYN_SENT), then the ordinary relay. Each test states the exact segments both ways.
 */
class TcpForwardTest extends TcpHarness {
    static final int FWD_PORT = 8080;
    static final int HOST_PORT = 18080;
    static final int CPORT = 51000;
    static final int LO = NET_parse("127.0.0.1");
    static final int GUEST_TS = 500;

    // ---- helpers

    PortForwards.Forward forward(String hostAddr) throws Exception {
        return stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName(hostAddr), HOST_PORT,
                GUEST_IP, FWD_PORT);
    }

    Sock listener() {
        List<Sock> l = host.listeners();
        return l.get(l.size() - 1);
    }

    /** The guest ARPs for the gateway (as it does before anything else), so its MAC is known. */
    void knowGuest() {
        stack.receiveFrame(Frames.buf(arpRequestFrame(GATEWAY_IP)));
        assertEquals(1, sink.take().size(), "our ARP reply");
    }

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    Seg ourSyn(int clientPort) {
        return Seg.of(Seg.SYN).ports(clientPort, FWD_PORT).seq(ourIsn).win(65535).mss(1460).sackOk()
                .ts(tsNow(), 0).ws(7);
    }

    Seg guestSynAck(int clientPort) {
        return Seg.of(Seg.SYN | Seg.ACK).ports(FWD_PORT, clientPort).seq(GUEST_ISN).ack(ourIsn + 1).win(65160)
                .mss(1460).sackOk().ts(GUEST_TS, tsNow()).ws(7);
    }

    /** A guest segment after the handshake, Linux-like (timestamps, window 502 << 7). */
    Seg fromGuest(int flags, int seq, int ack) {
        return Seg.of(flags).ports(FWD_PORT, CPORT).seq(seq).ack(ack).win(502).ts(GUEST_TS, tsNow());
    }

    /** What we send after the handshake. */
    Seg toGuest(int flags, int seq, int ack) {
        return Seg.of(flags).ports(CPORT, FWD_PORT).seq(seq).ack(ack).win(WIN).ts(tsNow(), GUEST_TS);
    }

    TcpConnection flow(int seen, int clientPort) {
        return stack.tcp().connection(GUEST_IP, FWD_PORT, seen, clientPort);
    }

    /** The tuple's state, a TIME_WAIT record's included. */
    int state(int seen, int clientPort) {
        return stack.tcp().state(GUEST_IP, FWD_PORT, seen, clientPort);
    }

    /** Forward on loopback, guest known, a loopback client accepted, the guest's SYN-ACK answered. */
    Sock established() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        assertEquals(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1), recvFrom(GATEWAY_IP));
        assertEquals(TcpState.ESTABLISHED, flow(GATEWAY_IP, CPORT).state());
        return c;
    }

    @Test
    void windowUpdatesFollowADrainWhateverTheGuestsIsn() throws Exception {
        // A guest ISN in the upper half of the sequence space from 0: the right edge our SYN offered must be
        // where window updates are measured from, or draining a slow client never reopens the window.
        int isn = 0x9000_0000;
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, Seg.of(Seg.SYN | Seg.ACK).ports(FWD_PORT, CPORT).seq(isn).ack(ourIsn + 1).win(65160)
                .mss(1460).sackOk().ts(GUEST_TS, tsNow()).ws(7));
        assertEquals(toGuest(Seg.ACK, ourIsn + 1, isn + 1), recvFrom(GATEWAY_IP));
        c.writeRoom = 0;
        byte[] d = new byte[1448];
        int seq = isn + 1;
        for (int i = 0; i < 3; i++) {
            sendTo(GATEWAY_IP, fromGuest(Seg.ACK, seq, ourIsn + 1).data(d));
            seq += d.length;
        }
        Seg ack = recvFrom(GATEWAY_IP);
        assertEquals(seq, ack.ack);
        assertEquals((TcpConnection.RCV_BUFFER - 3 * 1448) >>> TcpConnection.RCV_SHIFT, ack.window);
        host.drain(c, Long.MAX_VALUE);
        assertEquals(toGuest(Seg.ACK, ourIsn + 1, seq), recvFrom(GATEWAY_IP), "the window update");
    }

    @Test
    void dataAfterARetransmittedSynStartsFromAThreeSecondRto() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        host.connectClient(listener(), LO, CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        clock.advanceSeconds(1);
        stack.runTimers();
        recvFrom(GATEWAY_IP);
        // no timestamps, so Karn's rule leaves no RTT sample from the retransmitted SYN's answer
        sendTo(GATEWAY_IP, Seg.of(Seg.SYN | Seg.ACK).ports(FWD_PORT, CPORT).seq(GUEST_ISN).ack(ourIsn + 1)
                .win(65160).mss(1460));
        recvFrom(GATEWAY_IP);
        assertEquals(3_000_000_000L, flow(GATEWAY_IP, CPORT).rtoNanos());
    }

    // ---- opening

    @Test
    void loopbackClientBecomesOurSynFromTheGatewayWithEveryOption() throws Exception {
        PortForwards.Forward f = forward("127.0.0.1");
        assertEquals(HOST_PORT, f.hostPort());
        Sock l = listener();
        assertEquals(HOST_PORT, l.localPort);
        assertArrayEquals(new byte[] {127, 0, 0, 1}, l.listenAddr);
        knowGuest();

        Sock c = host.connectClient(l, LO, CPORT);
        List<byte[]> out = frames();
        assertEquals(1, out.size(), describe(out));
        assertEquals(ourSyn(CPORT), decode(out.get(0), GATEWAY_IP));
        // Linux's SYN layout: MSS, SACK-permitted + timestamps, NOP + window scale.
        assertEquals("020405b4" + "0402080a" + String.format("%08x", tsNow()) + "00000000" + "01030307",
                hex(java.util.Arrays.copyOfRange(out.get(0), 54, 74)));
        assertEquals(TcpState.SYN_SENT, flow(GATEWAY_IP, CPORT).state());
        assertEquals(c.handle, flow(GATEWAY_IP, CPORT).handle());
        assertFalse(c.readInterest, "nothing is read from the client before the guest accepts");
        assertFalse(c.writeInterest);
        assertEquals(0, c.interestCalls);
        assertEquals(1, stack.counters().tcpForwardAccepted);
        assertEquals(1, stack.counters().tcpFlowsOpened);
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1, 10.0.2.2",
        "127.9.8.7, 10.0.2.2",
        "10.0.2.77, 10.0.2.2",
        "203.0.113.7, 203.0.113.7",
        "192.168.1.20, 192.168.1.20",
    })
    void theGuestSeesTheClientAsSlirp4netnsShowsIt(String client, String seen) throws Exception {
        forward("0.0.0.0");
        knowGuest();
        int seenAddr = NET_parse(seen);
        Sock c = host.connectClient(listener(), NET_parse(client), CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(seenAddr));
        assertNotNull(flow(seenAddr, CPORT));
        assertFalse(c.released());
    }

    @ParameterizedTest
    @CsvSource({"::1", "2001:db8::5"})
    void anIpv6ClientAppearsAsTheGateway(String client) throws Exception {
        forward("::");
        assertEquals(16, listener().listenAddr.length);
        knowGuest();
        host.connectClient6(listener(), InetAddress.getByName(client).getAddress(), CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
    }

    @Test
    void synAckEstablishesAndBytesFlowBothWays() throws Exception {
        Sock c = established();
        assertTrue(c.readInterest, "the client is read once the guest accepted");
        assertEquals(1, stack.counters().tcpForwardEstablished);

        host.hostSends(c, text("hello"));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("hello")),
                recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK | Seg.PSH, GUEST_ISN + 1, ourIsn + 6).data(text("world")));
        assertEquals(toGuest(Seg.ACK, ourIsn + 6, GUEST_ISN + 6), recvFrom(GATEWAY_IP));
        assertEquals("world", new String(c.written(), StandardCharsets.US_ASCII));

        // The guest closes its side: the client's socket is shut for writing, its bytes keep flowing.
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK | Seg.FIN, GUEST_ISN + 6, ourIsn + 6));
        assertEquals(toGuest(Seg.ACK, ourIsn + 6, GUEST_ISN + 7), recvFrom(GATEWAY_IP));
        assertTrue(c.shutdownWrite);
        assertEquals(TcpState.CLOSE_WAIT, flow(GATEWAY_IP, CPORT).state());
        host.hostSends(c, text("more"));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 6, GUEST_ISN + 7).data(text("more")),
                recvFrom(GATEWAY_IP));

        // Then the client: our FIN, the guest's ACK, the flow and the client's socket are gone.
        host.hostEof(c);
        assertEquals(toGuest(Seg.ACK | Seg.FIN, ourIsn + 10, GUEST_ISN + 7), recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK, GUEST_ISN + 7, ourIsn + 11));
        recvNothing();
        assertTrue(c.closed);
        assertEquals(0, stack.activeFlows());
    }

    @Test
    void theGuestsWindowPacesTheClient() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        // A 4-byte window in the SYN-ACK (never scaled there).
        sendTo(GATEWAY_IP, guestSynAck(CPORT).win(4));
        assertEquals(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1), recvFrom(GATEWAY_IP));

        host.hostSends(c, text("0123456789"));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("0123")),
                recvFrom(GATEWAY_IP));
        assertFalse(c.readInterest, "window full: stop reading so the client's kernel pushes back");
        assertEquals(6, c.pendingRead());

        sendTo(GATEWAY_IP, fromGuest(Seg.ACK, GUEST_ISN + 1, ourIsn + 5));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 5, GUEST_ISN + 1).data(text("456789")),
                recvFrom(GATEWAY_IP));
        assertTrue(c.readInterest);
    }

    @Test
    void clientBytesSentBeforeTheGuestAnsweredFollowTheHandshakeInOrder() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        host.hostSends(c, text("abc"));
        host.hostSends(c, text("def"));
        recvNothing();
        assertEquals(0, c.readPos, "not read before the guest accepts");

        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        List<Seg> segs = decodeAll(GATEWAY_IP);
        assertEquals(List.of(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1),
                toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("abcdef"))), segs);
    }

    @Test
    void clientDataAndEofBeforeTheGuestAnsweredBecomeDataThenOurFin() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        host.hostSends(c, text("bye"));
        host.hostEof(c);
        recvNothing();

        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        assertEquals(List.of(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1),
                toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("bye"))), decodeAll(GATEWAY_IP));
        // The short read left the EOF for the event loop's next report (level-triggered).
        host.pollReadable(c);
        assertEquals(toGuest(Seg.ACK | Seg.FIN, ourIsn + 4, GUEST_ISN + 1), recvFrom(GATEWAY_IP));
        assertEquals(TcpState.FIN_WAIT_1, flow(GATEWAY_IP, CPORT).state());
    }

    @Test
    void clientThatClosedAtOnceGetsOurFinRightAfterTheHandshake() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        host.hostEof(c);

        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        assertEquals(List.of(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1),
                toGuest(Seg.ACK | Seg.FIN, ourIsn + 1, GUEST_ISN + 1)), decodeAll(GATEWAY_IP));
        // The guest acknowledges and closes too: TIME_WAIT, the client's socket closed in order.
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK | Seg.FIN, GUEST_ISN + 1, ourIsn + 2));
        assertEquals(toGuest(Seg.ACK, ourIsn + 2, GUEST_ISN + 2), recvFrom(GATEWAY_IP));
        assertEquals(TcpState.TIME_WAIT, state(GATEWAY_IP, CPORT));
        assertTrue(c.closed);
        assertFalse(c.aborted);
    }

    // ---- refusal, silence, errors

    @Test
    void guestRstAbortsTheClientAtOnce() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);

        sendTo(GATEWAY_IP, Seg.of(Seg.RST | Seg.ACK).ports(FWD_PORT, CPORT).seq(0).ack(ourIsn + 1));
        recvNothing();
        assertTrue(c.aborted, "the client sees a reset, as from a closed port");
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpForwardRefused);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
    }

    @Test
    void rstThatDoesNotAcknowledgeOurSynIsIgnored() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        // RFC 5961 3.2: in SYN-SENT only a RST acknowledging our SYN counts; a bad ACK draws no reply either.
        sendTo(GATEWAY_IP, Seg.of(Seg.RST).ports(FWD_PORT, CPORT).seq(GUEST_ISN));
        sendTo(GATEWAY_IP, Seg.of(Seg.RST | Seg.ACK).ports(FWD_PORT, CPORT).seq(0).ack(ourIsn + 7));
        recvNothing();
        assertFalse(c.released());
        assertEquals(TcpState.SYN_SENT, flow(GATEWAY_IP, CPORT).state());
    }

    @Test
    void ackForSomethingWeNeverSentDrawsReset() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        // "If SEG.ACK =< ISS or SEG.ACK > SND.NXT, send <SEQ=SEG.ACK><CTL=RST>".
        sendTo(GATEWAY_IP, Seg.of(Seg.ACK).ports(FWD_PORT, CPORT).seq(GUEST_ISN).ack(ourIsn + 5).win(100));
        assertEquals(Seg.of(Seg.RST).ports(CPORT, FWD_PORT).seq(ourIsn + 5), recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, guestSynAck(CPORT).ack(ourIsn));
        assertEquals(Seg.of(Seg.RST).ports(CPORT, FWD_PORT).seq(ourIsn), recvFrom(GATEWAY_IP));
        assertEquals(TcpState.SYN_SENT, flow(GATEWAY_IP, CPORT).state());
        assertFalse(c.released());
        // A segment with neither SYN nor RST but an acceptable ACK is dropped without a word.
        sendTo(GATEWAY_IP, Seg.of(Seg.ACK).ports(FWD_PORT, CPORT).seq(GUEST_ISN).ack(ourIsn + 1).win(100));
        recvNothing();
    }

    @Test
    void silentGuestGetsSynsAtOneThreeAndSevenSecondsThenTheClientIsReset() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        long t0 = clock.nanoTime();
        Sock c = host.connectClient(listener(), LO, CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        for (long at : new long[] {1, 3, 7}) {
            assertEquals(t0 + at * 1_000_000_000L, stack.nextDeadlineNanos());
            clock.set(t0 + at * 1_000_000_000L - 1);
            stack.runTimers();
            recvNothing();
            clock.advanceNanos(1);
            stack.runTimers();
            assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP), "SYN retransmitted at " + at + " s");
            assertFalse(c.released());
        }
        assertEquals(t0 + 15_000_000_000L, stack.nextDeadlineNanos());
        clock.set(t0 + 15_000_000_000L);
        stack.runTimers();
        recvNothing();
        assertTrue(c.aborted, "given up after 15 s: the client is reset");
        assertEquals(0, stack.activeFlows());
        assertEquals(3, stack.counters().tcpSynRetransmits);
        assertEquals(1, stack.counters().tcpForwardTimeout);
        assertEquals(Long.MAX_VALUE, stack.nextDeadlineNanos());
    }

    @Test
    void clientResetBeforeTheGuestAnswersDropsTheAttempt() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        // epoll reports the error although the socket has no interest.
        host.hostReset(c);
        recvNothing();
        assertTrue(c.aborted);
        assertEquals(0, stack.activeFlows());
        assertEquals(1, stack.counters().tcpForwardAbandoned);
        // The guest's late SYN-ACK finds no flow: RST <SEQ=SEG.ACK>.
        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        assertEquals(Seg.of(Seg.RST).ports(CPORT, FWD_PORT).seq(ourIsn + 1), recvFrom(GATEWAY_IP));
    }

    @Test
    void simultaneousOpenGoesThroughSynReceived() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        // The guest's own SYN on the same tuple: "enter SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><CTL=SYN,ACK>".
        sendTo(GATEWAY_IP, Seg.of(Seg.SYN).ports(FWD_PORT, CPORT).seq(GUEST_ISN).win(64240).mss(1460).sackOk()
                .ts(GUEST_TS, 0).ws(7));
        assertEquals(Seg.of(Seg.SYN | Seg.ACK).ports(CPORT, FWD_PORT).seq(ourIsn).ack(GUEST_ISN + 1).win(65535)
                .mss(1460).sackOk().ts(tsNow(), GUEST_TS).ws(7), recvFrom(GATEWAY_IP));
        assertEquals(TcpState.SYN_RECEIVED, flow(GATEWAY_IP, CPORT).state());
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK, GUEST_ISN + 1, ourIsn + 1));
        recvNothing();
        assertEquals(TcpState.ESTABLISHED, flow(GATEWAY_IP, CPORT).state());
        host.hostSends(c, text("hi"));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("hi")),
                recvFrom(GATEWAY_IP));
    }

    // ---- the guest's MAC

    @Test
    void firstForwardToASilentGuestArpsThenSendsTheSynRightAfterTheReply() throws Exception {
        forward("127.0.0.1");
        Sock c = host.connectClient(listener(), LO, CPORT);
        List<byte[]> out = frames();
        assertEquals(1, out.size(), describe(out));
        assertEquals(hex(pad(ethernet(BROADCAST, GATEWAY_MAC, 0x0806,
                arp(1, GATEWAY_MAC, GATEWAY_IP, 0, GUEST_IP)), 60)), hex(out.get(0)));
        assertEquals(TcpState.SYN_SENT, flow(GATEWAY_IP, CPORT).state());

        // The reply: the SYN goes out while that frame is handled, before the end of the batch.
        stack.receiveFrame(Frames.buf(pad(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806,
                arp(2, GUEST_MAC, GUEST_IP, GATEWAY_MAC, GATEWAY_IP)), 60)));
        out = sink.take();
        assertEquals(1, out.size(), describe(out));
        assertEquals(ourSyn(CPORT), decode(out.get(0), GATEWAY_IP));

        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        assertEquals(toGuest(Seg.ACK, ourIsn + 1, GUEST_ISN + 1), recvFrom(GATEWAY_IP));
        assertTrue(c.readInterest);
    }

    @Test
    void unansweredArpIsAskedAgainOnTheSynTimer() throws Exception {
        forward("127.0.0.1");
        long t0 = clock.nanoTime();
        host.connectClient(listener(), LO, CPORT);
        assertEquals(1, frames().size());
        // A segment on the tuple before our SYN went out cannot be about this connection.
        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        recvNothing();

        clock.set(t0 + 1_000_000_000L);
        stack.runTimers();
        List<byte[]> out = frames();
        assertEquals(1, out.size(), describe(out));
        assertEquals(0x0806, u16(out.get(0), 12), "asked again by ARP");
        assertEquals(1, stack.counters().tcpSynRetransmits);

        clock.set(t0 + 1_500_000_000L);
        stack.receiveFrame(Frames.buf(pad(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806,
                arp(2, GUEST_MAC, GUEST_IP, GATEWAY_MAC, GATEWAY_IP)), 60)));
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        // The SYN timer counts from the SYN, with the RTO already backed off once: 2 s, not from the tick at 1 s.
        clock.set(t0 + 3_000_000_000L);
        stack.runTimers();
        recvNothing();
        clock.set(t0 + 3_500_000_000L);
        stack.runTimers();
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        assertEquals(2, stack.counters().tcpSynRetransmits);
    }

    // ---- the listener

    @Test
    void severalWaitingClientsAreAcceptedOnOneReport() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock l = listener();
        host.enqueueClient(l, LO, CPORT);
        host.enqueueClient(l, LO, CPORT + 1);
        host.enqueueClient(l, LO, CPORT + 2);
        host.notifyListener(l);
        assertEquals(List.of(ourSyn(CPORT), ourSyn(CPORT + 1), ourSyn(CPORT + 2)), decodeAll(GATEWAY_IP));
        assertTrue(l.backlog.isEmpty());
        assertEquals(3, stack.activeFlows());
    }

    @Test
    void outOfDescriptorsPausesTheListenersInsteadOfSpinning() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock l = listener();
        long t0 = clock.nanoTime();
        host.failNextAccept = HostSockets.EMFILE;
        host.connectClient(l, LO, CPORT);
        recvNothing();
        assertEquals(1, stack.counters().tcpForwardAcceptErrors);
        assertFalse(l.readInterest, "a listener that stays readable must not wake the loop on every turn");
        assertEquals(1, l.backlog.size());
        // A forward added during the pause waits with the others.
        stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName("127.0.0.1"), HOST_PORT + 1,
                GUEST_IP, FWD_PORT);
        Sock added = listener();
        assertFalse(added.readInterest, "a listener added during the pause is paused too");

        assertEquals(t0 + 1_000_000_000L, stack.nextDeadlineNanos());
        clock.set(t0 + 1_000_000_000L);
        stack.runTimers();
        assertTrue(l.readInterest);
        assertTrue(added.readInterest);
        host.notifyListener(l);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));

        // A queued client that reset meanwhile (ECONNABORTED) is skipped, and those behind it accepted.
        host.enqueueClient(l, LO, CPORT + 1);
        host.failNextAccept = HostSockets.ECONNABORTED;
        host.notifyListener(l);
        assertEquals(ourSyn(CPORT + 1), recvFrom(GATEWAY_IP));
        assertEquals(2, stack.counters().tcpForwardAcceptErrors);
        assertTrue(l.readInterest);
    }

    @Test
    void aFlowEndingResumesPausedListenersAtOnce() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock l = listener();
        Sock c = host.connectClient(l, LO, CPORT);
        recvFrom(GATEWAY_IP);
        host.failNextAccept = HostSockets.EMFILE;
        host.connectClient(l, LO, CPORT + 1);
        assertFalse(l.readInterest);
        sendTo(GATEWAY_IP, Seg.of(Seg.RST | Seg.ACK).ports(FWD_PORT, CPORT).seq(0).ack(ourIsn + 1));
        assertTrue(c.aborted);
        assertTrue(l.readInterest, "the ended flow gave a descriptor back");
        host.notifyListener(l);
        assertEquals(ourSyn(CPORT + 1), recvFrom(GATEWAY_IP));
    }

    List<Seg> decodeAll(int from) {
        List<Seg> segs = new java.util.ArrayList<>();
        for (byte[] f : frames()) {
            segs.add(decode(f, from));
        }
        return segs;
    }

    @Test
    void twoClientsTheGuestCannotTellApartKeepTheFirstFlow() throws Exception {
        forward("0.0.0.0");
        knowGuest();
        Sock first = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        Sock second = host.connectClient(listener(), NET_parse("127.0.0.2"), CPORT);
        recvNothing();
        assertTrue(second.aborted, "the newcomer is refused");
        assertFalse(first.released());
        assertEquals(TcpState.SYN_SENT, flow(GATEWAY_IP, CPORT).state());
        assertEquals(first.handle, flow(GATEWAY_IP, CPORT).handle());
        assertEquals(1, stack.counters().tcpForwardDuplicate);
        assertEquals(1, stack.activeFlows());
    }

    @Test
    void aTimeWaitRecordGivesWayToANewClientOnTheSameTuple() throws Exception {
        forward("127.0.0.1");
        knowGuest();
        Sock c = host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        host.hostEof(c);
        sendTo(GATEWAY_IP, guestSynAck(CPORT));
        decodeAll(GATEWAY_IP);
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK | Seg.FIN, GUEST_ISN + 1, ourIsn + 2));
        recvFrom(GATEWAY_IP);
        assertEquals(TcpState.TIME_WAIT, state(GATEWAY_IP, CPORT));

        ourIsn += 1_000_000;
        Sock again = host.connectClient(listener(), LO, CPORT);
        assertEquals(ourSyn(CPORT), recvFrom(GATEWAY_IP));
        assertEquals(again.handle, flow(GATEWAY_IP, CPORT).handle());
        assertEquals(0, stack.counters().tcpForwardDuplicate);
    }

    @Test
    void aFullFlowTableRefusesTheClient() throws Exception {
        build(RelayOptions.defaults().withMaxFlows(1));
        forward("127.0.0.1");
        knowGuest();
        host.connectClient(listener(), LO, CPORT);
        recvFrom(GATEWAY_IP);
        Sock refused = host.connectClient(listener(), LO, CPORT + 1);
        recvNothing();
        assertTrue(refused.aborted);
        assertEquals(1, stack.counters().tcpTableFull);
    }

    @Test
    void unlistenClosesOnlyTheListener() throws Exception {
        Sock c = established();
        Sock l = listener();
        PortForwards.Forward f = stack.forwards().list().get(0);
        assertTrue(stack.forwards().remove(f.id()));
        assertTrue(l.closed);
        assertTrue(host.listeners().isEmpty());
        assertEquals(0, stack.tcp().listeners());
        assertNull(host.connectClient(l, LO, CPORT + 1), "nobody listens any more");
        recvNothing();

        assertFalse(c.released(), "the connection it made keeps running");
        host.hostSends(c, text("still"));
        assertEquals(toGuest(Seg.ACK | Seg.PSH, ourIsn + 1, GUEST_ISN + 1).data(text("still")),
                recvFrom(GATEWAY_IP));
        sendTo(GATEWAY_IP, fromGuest(Seg.ACK | Seg.PSH, GUEST_ISN + 1, ourIsn + 6).data(text("here")));
        assertEquals(toGuest(Seg.ACK, ourIsn + 6, GUEST_ISN + 5), recvFrom(GATEWAY_IP));
        assertEquals("here", new String(c.written(), StandardCharsets.US_ASCII));

        // An unknown or already closed handle is ignored (no second close of the host socket).
        stack.tcp().unlisten(l.handle);
        assertEquals(-9, stack.tcp().localPort(l.handle));
    }

    @Test
    void portZeroReportsTheBoundPortAndListenErrorsReachTheCaller() throws Exception {
        PortForwards.Forward f = stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName("::1"), 0,
                GUEST_IP, FWD_PORT);
        assertEquals(listener().localPort, f.hostPort());
        assertNotEquals(0, f.hostPort());

        host.failNextListen = HostSockets.EADDRINUSE;
        PortForwards.ForwardException e = assertThrows(PortForwards.ForwardException.class,
                () -> stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName("127.0.0.1"), 80,
                        GUEST_IP, FWD_PORT));
        assertEquals(HostSockets.EADDRINUSE, e.errno());
        assertEquals(1, stack.tcp().listeners());
    }

    @Test
    void stackCloseReleasesListenersAndEveryKindOfForwardedConnection() throws Exception {
        Sock established = established();
        knowGuest();
        Sock synSent = host.connectClient(listener(), LO, CPORT + 1);
        recvFrom(GATEWAY_IP);
        stack.forwards().add(PortForwards.Protocol.TCP, InetAddress.getByName("0.0.0.0"), HOST_PORT + 1,
                GUEST_IP + 1, FWD_PORT);
        Sock awaitingArp = host.connectClient(listener(), LO, CPORT + 2);
        assertEquals(0x0806, u16(frames().get(0), 12));
        host.hostSends(established, text("unsent"));
        sink.take();

        stack.close();
        for (Sock s : host.sockets()) {
            assertTrue(s.released(), "handle " + s.handle);
        }
        assertTrue(established.aborted && synSent.aborted && awaitingArp.aborted);
        assertEquals(0, stack.activeFlows());
        assertEquals(0, stack.tcp().listeners());
        assertEquals(0, stack.forwards().size());
        // A second close finds nothing left to release (the fake throws on a double close).
        stack.close();
        // The guest's answer to the ARP after close sends nothing.
        stack.receiveFrame(Frames.buf(pad(ethernet(GATEWAY_MAC, GUEST_MAC, 0x0806,
                arp(2, GUEST_MAC, GUEST_IP + 1, GATEWAY_MAC, GATEWAY_IP)), 60)));
        assertTrue(sink.take().isEmpty());
    }
}
