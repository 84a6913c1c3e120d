package io.jslirp.tap.dev;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The two rtnetlink requests {@code -c -6} sends, and the acknowledgement the kernel answers each with.
 * Pure encoding and parsing, no I/O: {@link NetlinkConfigurator} does the socket work.
 *
 * <p>Every netlink message is a header and a body (RFC 3549 2.3.2; {@code linux/netlink.h}), fields in the
 * host's byte order, which is little-endian on both ABIs jslirp loads on (x86-64, aarch64):
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                          Length                             |  whole message, header included
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |            Type              |           Flags              |  RTM_NEWADDR, NLM_F_REQUEST|...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Sequence Number                        |  echoed in the ack
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                      Process ID (PID)                       |  0: to the kernel
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 * RTM_NEWADDR's body is {@code struct ifaddrmsg} (family, prefix length, flags, scope: one octet each; the
 * interface index: 4), RTM_NEWROUTE's is {@code struct rtmsg} (family, dst_len, src_len, tos, table,
 * protocol, scope, type: one octet each; flags: 4). Both are followed by attributes, each a 2-octet length
 * (header included, padding not), a 2-octet type and the value, padded to 4 octets (RFC 3549 2.3.2.1).
 *
 * <p>The ack is an NLMSG_ERROR message whose body starts with a signed 32-bit error: 0 for success, else a
 * negated errno. Then comes the request's header (and, unless NETLINK_CAP_ACK is on, its body), so the
 * sequence number tells whose ack it is; with NETLINK_EXT_ACK the kernel flags the message
 * NLM_F_ACK_TLVS and appends attributes, of which NLMSGERR_ATTR_MSG carries its explanation as a C string.
 */
public final class Rtnetlink {
    private Rtnetlink() {
    }

    static final int NLMSG_HDRLEN = 16;
    static final short NLMSG_ERROR = 2;
    static final short RTM_NEWADDR = 20;
    static final short RTM_NEWROUTE = 24;

    static final short NLM_F_REQUEST = 0x1;
    static final short NLM_F_ACK = 0x4;
    static final short NLM_F_REPLACE = 0x100;
    static final short NLM_F_CREATE = 0x400;
    /** In an ack: the request's body was not echoed (NETLINK_CAP_ACK). */
    static final short NLM_F_CAPPED = 0x100;
    /** In an ack: extended-ack attributes follow the echoed request (NETLINK_EXT_ACK). */
    static final short NLM_F_ACK_TLVS = 0x200;
    static final short NLMSGERR_ATTR_MSG = 1;

    static final byte AF_INET6 = 10;
    /** {@code linux/if_addr.h}: the address is usable at once, with no duplicate address detection. */
    public static final int IFA_F_NODAD = 0x02;
    static final short IFA_ADDRESS = 1;
    static final short IFA_LOCAL = 2;
    static final short IFA_FLAGS = 8;

    static final byte RT_TABLE_MAIN = (byte) 254;
    /** What {@code ip route add} records: a route an administrator made, not a router advertisement. */
    static final byte RTPROT_BOOT = 3;
    static final byte RT_SCOPE_UNIVERSE = 0;
    static final byte RTN_UNICAST = 1;
    static final short RTA_OIF = 4;
    static final short RTA_GATEWAY = 5;
    static final short RTA_PRIORITY = 6;

    private static final int IFADDRMSG_LEN = 8;
    private static final int RTMSG_LEN = 12;
    private static final int ATTR_HDRLEN = 4;
    private static final int IPV6_LEN = 16;
    /** "Make it so": a re-run over a tap0 that already has the address or route succeeds, as {@code ip ... replace}. */
    static final short NEW_FLAGS = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;

    /**
     * RTM_NEWADDR for {@code hi:lo/prefixLength} on interface {@code ifIndex}, flagged {@code ifaFlags} (in
     * the header's octet, which the kernel reads when IFA_FLAGS is absent, and in IFA_FLAGS, which takes
     * precedence since Linux 3.14). IFA_LOCAL and IFA_ADDRESS both carry the address, as {@code ip} sends it
     * for an address without a peer.
     */
    public static byte[] newAddress(int seq, int ifIndex, long hi, long lo, int prefixLength, int ifaFlags) {
        int len = NLMSG_HDRLEN + IFADDRMSG_LEN + 2 * (ATTR_HDRLEN + IPV6_LEN) + ATTR_HDRLEN + 4;
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        header(b, len, RTM_NEWADDR, seq);
        b.put(AF_INET6).put((byte) prefixLength).put((byte) (ifaFlags & 0xff)).put(RT_SCOPE_UNIVERSE).putInt(ifIndex);
        ipv6Attr(b, IFA_LOCAL, hi, lo);
        ipv6Attr(b, IFA_ADDRESS, hi, lo);
        b.putShort((short) (ATTR_HDRLEN + 4)).putShort(IFA_FLAGS).putInt(ifaFlags);
        return b.array();
    }

    /**
     * RTM_NEWROUTE for {@code default via gwHi:gwLo dev ifIndex metric metric} in the main table, proto boot.
     * A link-local gateway needs the interface (RTA_OIF) to mean anything.
     */
    public static byte[] newDefaultRoute(int seq, int ifIndex, long gwHi, long gwLo, int metric) {
        int len = NLMSG_HDRLEN + RTMSG_LEN + (ATTR_HDRLEN + IPV6_LEN) + 2 * (ATTR_HDRLEN + 4);
        ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        header(b, len, RTM_NEWROUTE, seq);
        b.put(AF_INET6).put((byte) 0).put((byte) 0).put((byte) 0)
                .put(RT_TABLE_MAIN).put(RTPROT_BOOT).put(RT_SCOPE_UNIVERSE).put(RTN_UNICAST).putInt(0);
        ipv6Attr(b, RTA_GATEWAY, gwHi, gwLo);
        b.putShort((short) (ATTR_HDRLEN + 4)).putShort(RTA_OIF).putInt(ifIndex);
        b.putShort((short) (ATTR_HDRLEN + 4)).putShort(RTA_PRIORITY).putInt(metric);
        return b.array();
    }

    private static void header(ByteBuffer b, int len, short type, int seq) {
        b.putInt(len).putShort(type).putShort(NEW_FLAGS).putInt(seq).putInt(0);
    }

    private static void ipv6Attr(ByteBuffer b, short type, long hi, long lo) {
        b.putShort((short) (ATTR_HDRLEN + IPV6_LEN)).putShort(type);
        b.order(ByteOrder.BIG_ENDIAN).putLong(hi).putLong(lo).order(ByteOrder.LITTLE_ENDIAN); // network order
    }

    /**
     * A view of one datagram read from the rtnetlink socket, looking for the ack of one request. Checked once
     * by {@link #find}; the accessors then cannot fail.
     */
    public static final class Ack {
        private int error;
        private String message = "";

        /**
         * Walks the messages in {@code datagram[0, length)} for the NLMSG_ERROR whose echoed header carries
         * {@code seq}. Returns false if there is none (the caller reads on), and also if a message's length is
         * impossible (too short for a header, or past the datagram): then nothing after it can be trusted.
         */
        public boolean find(byte[] datagram, int length, int seq) {
            ByteBuffer b = ByteBuffer.wrap(datagram, 0, Math.min(length, datagram.length)).order(ByteOrder.LITTLE_ENDIAN);
            int at = 0;
            int end = b.limit();
            while (end - at >= NLMSG_HDRLEN) {
                int len = b.getInt(at);
                if (len < NLMSG_HDRLEN || len > end - at) {
                    return false;
                }
                short type = b.getShort(at + 4);
                short flags = b.getShort(at + 6);
                // Body: error (4), then the request's header (16), whose sequence number is at +8.
                if (type == NLMSG_ERROR && len >= NLMSG_HDRLEN + 4 + NLMSG_HDRLEN
                        && b.getInt(at + NLMSG_HDRLEN + 4 + 8) == seq) {
                    error = -b.getInt(at + NLMSG_HDRLEN);
                    message = (flags & NLM_F_ACK_TLVS) != 0 ? extAckMessage(b, at, len, flags) : "";
                    return true;
                }
                at += align4(len);
            }
            return false;
        }

        /** NLMSGERR_ATTR_MSG's text, or "" if absent or malformed (it only adds words to an errno). */
        private static String extAckMessage(ByteBuffer b, int msgAt, int msgLen, short flags) {
            int echoed = NLMSG_HDRLEN;
            if ((flags & NLM_F_CAPPED) == 0) {
                int requestLen = b.getInt(msgAt + NLMSG_HDRLEN + 4);
                if (requestLen < NLMSG_HDRLEN || requestLen > msgLen) {
                    return "";
                }
                echoed = align4(requestLen);
            }
            int at = msgAt + NLMSG_HDRLEN + 4 + echoed;
            int end = msgAt + msgLen;
            while (at >= 0 && end - at >= ATTR_HDRLEN) {
                int len = b.getShort(at) & 0xffff;
                int type = b.getShort(at + 2) & 0x3fff; // without NLA_F_NESTED and NLA_F_NET_BYTEORDER
                if (len < ATTR_HDRLEN || len > end - at) {
                    return "";
                }
                if (type == NLMSGERR_ATTR_MSG) {
                    int textEnd = at + ATTR_HDRLEN;
                    while (textEnd < at + len && b.get(textEnd) != 0) {
                        textEnd++;
                    }
                    byte[] text = new byte[textEnd - at - ATTR_HDRLEN];
                    b.get(at + ATTR_HDRLEN, text);
                    return new String(text, StandardCharsets.UTF_8);
                }
                at += align4(len);
            }
            return "";
        }

        /** 0 when the request succeeded, else the errno the kernel refused it with. */
        public int error() {
            return error;
        }

        /** The kernel's own explanation (extended ack), or "" when it gave none. */
        public String message() {
            return message;
        }
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }
}
