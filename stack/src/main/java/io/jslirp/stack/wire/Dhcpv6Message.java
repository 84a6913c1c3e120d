package io.jslirp.stack.wire;

import io.netty.buffer.ByteBuf;

/**
 * DHCPv6 client/server message (RFC 8415 section 8) and the options a server on a one-host link reads.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |    msg-type   |               transaction-id                  |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * .                            options                            .
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * Option (21.1):     option-code (2) | option-len (2) | option-data (option-len)
 * Client/Server Identifier (1, 2): a DUID, a 2-octet type and up to 128 octets (11.1)
 * IA_NA (3, 21.4):   IAID (4) | T1 (4) | T2 (4) | IA_NA-options (IA Address, Status Code)
 * IA Address (5, 21.6): IPv6-address (16) | preferred-lifetime (4) | valid-lifetime (4) | IAaddr-options
 * Option Request (6, 21.7): requested option codes, 2 octets each
 * Elapsed Time (8, 21.9): hundredths of a second (2)
 * Status Code (13, 21.13): status-code (2) | UTF-8 status-message
 * Rapid Commit (14, 21.14): empty
 * DNS Recursive Name Server (23, RFC 3646): IPv6 addresses, 16 octets each
 * Domain Search List (24, RFC 3646): names in RFC 1035 wire form
 * </pre>
 *
 * <p>{@link #wrap} walks the top-level options once, and the sub-options of the first IA_NA and of its
 * first IA Address, and records where the options the server reads are; it accepts at most
 * {@link #MAX_OPTIONS} options per level, so the walk is bounded by a constant as well as by the length.
 * It is strict: every option must fit its enclosing option or the message, and each option read here must
 * have its RFC length (an identifier 2 to 130 octets, an IA_NA at least 12, an IA Address at least 24, a
 * status code at least 2, an elapsed time exactly 2, a rapid commit exactly 0, an option request and a
 * DNS list whole multiples of 2 and 16). RFC 8415 section 16 has a server discard a message it cannot
 * make sense of; nothing a real client sends fails these. Relay messages (RELAY-FORW, RELAY-REPL) have
 * another layout and are refused: there is no relay on the guest's link. When an option repeats, the
 * first occurrence wins; only the first IA_NA is read, and {@link #iaNaCount()} tells the server about
 * the others.
 */
public final class Dhcpv6Message {
    public static final int CLIENT_PORT = 546;
    public static final int SERVER_PORT = 547;
    public static final int HEADER_LENGTH = 4;
    /** Most options walked at one level: a client sends fewer than ten; the cap bounds a flood of empties. */
    public static final int MAX_OPTIONS = 64;
    /** A DUID is a 2-octet type and at most 128 octets (RFC 8415 11.1). */
    public static final int MIN_DUID_LENGTH = 2;
    public static final int MAX_DUID_LENGTH = 130;

    // Message types (RFC 8415 section 7.3).
    public static final int SOLICIT = 1;
    public static final int ADVERTISE = 2;
    public static final int REQUEST = 3;
    public static final int CONFIRM = 4;
    public static final int RENEW = 5;
    public static final int REBIND = 6;
    public static final int REPLY = 7;
    public static final int RELEASE = 8;
    public static final int DECLINE = 9;
    public static final int RECONFIGURE = 10;
    public static final int INFORMATION_REQUEST = 11;
    public static final int RELAY_FORW = 12;
    public static final int RELAY_REPL = 13;

    // Option codes (RFC 8415 section 21, RFC 3646).
    public static final int OPT_CLIENTID = 1;
    public static final int OPT_SERVERID = 2;
    public static final int OPT_IA_NA = 3;
    public static final int OPT_IA_TA = 4;
    public static final int OPT_IAADDR = 5;
    public static final int OPT_ORO = 6;
    public static final int OPT_ELAPSED_TIME = 8;
    public static final int OPT_STATUS_CODE = 13;
    public static final int OPT_RAPID_COMMIT = 14;
    public static final int OPT_DNS_SERVERS = 23;
    public static final int OPT_DOMAIN_LIST = 24;
    public static final int OPT_IA_PD = 25;

    // Status codes (RFC 8415 section 21.13).
    public static final int STATUS_SUCCESS = 0;
    public static final int STATUS_UNSPEC_FAIL = 1;
    public static final int STATUS_NO_ADDRS_AVAIL = 2;
    public static final int STATUS_NO_BINDING = 3;
    public static final int STATUS_NOT_ON_LINK = 4;
    public static final int STATUS_USE_MULTICAST = 5;

    public static final int IA_NA_FIXED_LENGTH = 12;
    public static final int IAADDR_FIXED_LENGTH = 24;

    public static final int OK = 0;
    public static final int ERR_TRUNCATED = 1;
    /** RELAY-FORW or RELAY-REPL, which this view does not read. */
    public static final int ERR_RELAY = 2;
    /** An option runs past its container, or there are more than {@link #MAX_OPTIONS} at one level. */
    public static final int ERR_OPTIONS = 3;
    /** An option read here has a length its RFC does not allow. */
    public static final int ERR_OPTION_LENGTH = 4;

    private ByteBuf buf;
    private int offset;
    private int length;
    private int error;
    // Value offsets (absolute) and lengths of what the server reads; -1 when absent.
    private int clientIdAt;
    private int clientIdLength;
    private int serverIdAt;
    private int serverIdLength;
    private int iaNaAt;
    private int iaNaCount;
    private int iaAddrAt;
    private int iaAddrCount;
    private boolean otherIa;
    private int oroAt;
    private int oroLength;
    private int elapsedAt;
    private boolean rapidCommit;
    private int statusAt;
    private int statusLength;
    private int dnsAt;
    private int dnsLength;
    private int domainsAt;
    private int domainsLength;

    public boolean wrap(ByteBuf buf, int offset, int length) {
        this.buf = null;
        if (offset < 0 || length < HEADER_LENGTH || buf.capacity() - offset < length) {
            error = ERR_TRUNCATED;
            return false;
        }
        int type = buf.getUnsignedByte(offset);
        if (type == RELAY_FORW || type == RELAY_REPL) {
            error = ERR_RELAY;
            return false;
        }
        clientIdAt = serverIdAt = iaNaAt = iaAddrAt = oroAt = elapsedAt = statusAt = dnsAt = domainsAt = -1;
        clientIdLength = serverIdLength = oroLength = statusLength = dnsLength = domainsLength = 0;
        iaNaCount = iaAddrCount = 0;
        otherIa = false;
        rapidCommit = false;
        int end = offset + length;
        int count = 0;
        for (int at = offset + HEADER_LENGTH; at < end; count++) {
            int value = at + 4;
            if (count == MAX_OPTIONS || end - at < 4 || end - value < buf.getUnsignedShort(at + 2)) {
                error = ERR_OPTIONS;
                return false;
            }
            int code = buf.getUnsignedShort(at);
            int len = buf.getUnsignedShort(at + 2);
            if (!top(buf, code, value, len)) {
                return false;
            }
            at = value + len;
        }
        this.buf = buf;
        this.offset = offset;
        this.length = length;
        this.error = OK;
        return true;
    }

    private boolean top(ByteBuf buf, int code, int value, int len) {
        switch (code) {
            case OPT_CLIENTID:
                if (!duidLength(len)) {
                    return badLength();
                }
                if (clientIdAt < 0) {
                    clientIdAt = value;
                    clientIdLength = len;
                }
                return true;
            case OPT_SERVERID:
                if (!duidLength(len)) {
                    return badLength();
                }
                if (serverIdAt < 0) {
                    serverIdAt = value;
                    serverIdLength = len;
                }
                return true;
            case OPT_IA_NA:
                if (len < IA_NA_FIXED_LENGTH) {
                    return badLength();
                }
                if (iaNaCount++ == 0) {
                    iaNaAt = value;
                    return iaNaOptions(buf, value + IA_NA_FIXED_LENGTH, value + len);
                }
                return true;
            case OPT_IA_TA:
            case OPT_IA_PD:
                otherIa = true;
                return true;
            case OPT_ORO:
                if ((len & 1) != 0) {
                    return badLength();
                }
                if (oroAt < 0) {
                    oroAt = value;
                    oroLength = len;
                }
                return true;
            case OPT_ELAPSED_TIME:
                if (len != 2) {
                    return badLength();
                }
                if (elapsedAt < 0) {
                    elapsedAt = value;
                }
                return true;
            case OPT_RAPID_COMMIT:
                if (len != 0) {
                    return badLength();
                }
                rapidCommit = true;
                return true;
            case OPT_STATUS_CODE:
                if (len < 2) {
                    return badLength();
                }
                if (statusAt < 0) {
                    statusAt = value;
                    statusLength = len;
                }
                return true;
            case OPT_DNS_SERVERS:
                if (len % 16 != 0) {
                    return badLength();
                }
                if (dnsAt < 0) {
                    dnsAt = value;
                    dnsLength = len;
                }
                return true;
            case OPT_DOMAIN_LIST:
                if (domainsAt < 0) {
                    domainsAt = value;
                    domainsLength = len;
                }
                return true;
            default:
                // RFC 8415 16: options a server does not know are ignored.
                return true;
        }
    }

    /** The first IA_NA's sub-options: IA Addresses (each with its own sub-options) and a status code. */
    private boolean iaNaOptions(ByteBuf buf, int at, int end) {
        for (int count = 0; at < end; count++) {
            int value = at + 4;
            if (count == MAX_OPTIONS || end - at < 4 || end - value < buf.getUnsignedShort(at + 2)) {
                error = ERR_OPTIONS;
                return false;
            }
            int code = buf.getUnsignedShort(at);
            int len = buf.getUnsignedShort(at + 2);
            if (code == OPT_IAADDR) {
                if (len < IAADDR_FIXED_LENGTH) {
                    return badLength();
                }
                if (iaAddrCount++ == 0) {
                    iaAddrAt = value;
                }
                if (!subOptionsFit(buf, value + IAADDR_FIXED_LENGTH, value + len)) {
                    return false;
                }
            } else if (code == OPT_STATUS_CODE && len < 2) {
                return badLength();
            }
            at = value + len;
        }
        return true;
    }

    /** An IA Address's own options (a status code at most) only need to fit. */
    private boolean subOptionsFit(ByteBuf buf, int at, int end) {
        for (int count = 0; at < end; count++) {
            if (count == MAX_OPTIONS || end - at < 4 || end - at - 4 < buf.getUnsignedShort(at + 2)) {
                error = ERR_OPTIONS;
                return false;
            }
            at += 4 + buf.getUnsignedShort(at + 2);
        }
        return true;
    }

    private static boolean duidLength(int len) {
        return len >= MIN_DUID_LENGTH && len <= MAX_DUID_LENGTH;
    }

    private boolean badLength() {
        error = ERR_OPTION_LENGTH;
        return false;
    }

    public int error() {
        return error;
    }

    public ByteBuf buffer() {
        return buf;
    }

    public int offset() {
        return offset;
    }

    public int length() {
        return length;
    }

    public int messageType() {
        return buf.getUnsignedByte(offset);
    }

    /** The 24-bit transaction id, echoed in the reply. */
    public int transactionId() {
        return buf.getMedium(offset + 1) & 0xff_ffff;
    }

    public boolean hasClientId() {
        return clientIdAt >= 0;
    }

    /** Absolute index of the client's DUID, or -1. */
    public int clientIdOffset() {
        return clientIdAt;
    }

    public int clientIdLength() {
        return clientIdLength;
    }

    public boolean hasServerId() {
        return serverIdAt >= 0;
    }

    public int serverIdOffset() {
        return serverIdAt;
    }

    public int serverIdLength() {
        return serverIdLength;
    }

    /** Whether the Server Identifier option holds exactly {@code duid}. */
    public boolean serverIdEquals(byte[] duid) {
        if (serverIdAt < 0 || serverIdLength != duid.length) {
            return false;
        }
        for (int i = 0; i < duid.length; i++) {
            if (buf.getByte(serverIdAt + i) != duid[i]) {
                return false;
            }
        }
        return true;
    }

    /** How many IA_NA options the message has; only the first is read. */
    public int iaNaCount() {
        return iaNaCount;
    }

    /** An IA_TA or IA_PD is present (an INFORMATION-REQUEST must have no IA at all, RFC 8415 16.12). */
    public boolean hasOtherIa() {
        return otherIa;
    }

    public long iaid() {
        return buf.getUnsignedInt(iaNaAt);
    }

    public long t1() {
        return buf.getUnsignedInt(iaNaAt + 4);
    }

    public long t2() {
        return buf.getUnsignedInt(iaNaAt + 8);
    }

    /** How many IA Address options the first IA_NA holds; only the first is read. */
    public int iaAddressCount() {
        return iaAddrCount;
    }

    public long iaAddressHi() {
        return buf.getLong(iaAddrAt);
    }

    public long iaAddressLo() {
        return buf.getLong(iaAddrAt + 8);
    }

    public long iaAddressPreferredLifetime() {
        return buf.getUnsignedInt(iaAddrAt + 16);
    }

    public long iaAddressValidLifetime() {
        return buf.getUnsignedInt(iaAddrAt + 20);
    }

    /**
     * Whether every IA Address in the first IA_NA lies in the /64 whose high half is {@code prefixHi}
     * (a CONFIRM's question, RFC 8415 18.3.3); false when there is none.
     */
    public boolean iaAddressesAllIn(long prefixHi) {
        if (iaAddrCount == 0) {
            return false;
        }
        int end = iaNaAt + buf.getUnsignedShort(iaNaAt - 2);
        for (int at = iaNaAt + IA_NA_FIXED_LENGTH; at < end; at += 4 + buf.getUnsignedShort(at + 2)) {
            if (buf.getUnsignedShort(at) == OPT_IAADDR && buf.getLong(at + 4) != prefixHi) {
                return false;
            }
        }
        return true;
    }

    public int requestedOptionCount() {
        return oroLength / 2;
    }

    public int requestedOption(int i) {
        return buf.getUnsignedShort(oroAt + 2 * i);
    }

    /** Whether the Option Request option names {@code code}. */
    public boolean requests(int code) {
        for (int i = 0; i < oroLength / 2; i++) {
            if (buf.getUnsignedShort(oroAt + 2 * i) == code) {
                return true;
            }
        }
        return false;
    }

    /** Elapsed time in hundredths of a second, or -1 when absent (busybox udhcpc6 omits it). */
    public int elapsedTime() {
        return elapsedAt < 0 ? -1 : buf.getUnsignedShort(elapsedAt);
    }

    public boolean rapidCommit() {
        return rapidCommit;
    }

    /** Top-level status code, or -1 when absent. */
    public int statusCode() {
        return statusAt < 0 ? -1 : buf.getUnsignedShort(statusAt);
    }

    public int statusMessageOffset() {
        return statusAt + 2;
    }

    public int statusMessageLength() {
        return statusLength - 2;
    }

    public int dnsServerCount() {
        return dnsLength / 16;
    }

    public long dnsServerHi(int i) {
        return buf.getLong(dnsAt + 16 * i);
    }

    public long dnsServerLo(int i) {
        return buf.getLong(dnsAt + 16 * i + 8);
    }

    /** Absolute index of the domain search list's names, or -1. */
    public int domainListOffset() {
        return domainsAt;
    }

    public int domainListLength() {
        return domainsLength;
    }

    // Writers: absolute indices; each returns the octets written.

    public static int writeHeader(ByteBuf buf, int index, int type, int transactionId) {
        buf.setByte(index, type);
        buf.setMedium(index + 1, transactionId);
        return HEADER_LENGTH;
    }

    /** An option's code and length; its {@code valueLength} octets of data follow at index + 4. */
    public static int writeOptionHeader(ByteBuf buf, int index, int code, int valueLength) {
        buf.setShort(index, code);
        buf.setShort(index + 2, valueLength);
        return 4;
    }

    public static int writeOption(ByteBuf buf, int index, int code, byte[] value) {
        writeOptionHeader(buf, index, code, value.length);
        buf.setBytes(index + 4, value);
        return 4 + value.length;
    }

    /** An option whose value is copied from another buffer (the client's DUID, echoed back). */
    public static int writeOption(ByteBuf buf, int index, int code, ByteBuf src, int srcIndex, int valueLength) {
        writeOptionHeader(buf, index, code, valueLength);
        buf.setBytes(index + 4, src, srcIndex, valueLength);
        return 4 + valueLength;
    }

    /** IA_NA's fixed part, to be followed by {@code subOptionsLength} octets of IA Address and status options. */
    public static int writeIaNaHeader(ByteBuf buf, int index, long iaid, long t1, long t2, int subOptionsLength) {
        writeOptionHeader(buf, index, OPT_IA_NA, IA_NA_FIXED_LENGTH + subOptionsLength);
        buf.setInt(index + 4, (int) iaid);
        buf.setInt(index + 8, (int) t1);
        buf.setInt(index + 12, (int) t2);
        return 4 + IA_NA_FIXED_LENGTH;
    }

    public static int writeIaAddress(ByteBuf buf, int index, long hi, long lo, long preferred, long valid) {
        writeOptionHeader(buf, index, OPT_IAADDR, IAADDR_FIXED_LENGTH);
        buf.setLong(index + 4, hi);
        buf.setLong(index + 12, lo);
        buf.setInt(index + 20, (int) preferred);
        buf.setInt(index + 24, (int) valid);
        return 4 + IAADDR_FIXED_LENGTH;
    }

    /** Status Code with an ASCII message (RFC 8415 21.13 allows any UTF-8). */
    public static int writeStatusCode(ByteBuf buf, int index, int status, byte[] message) {
        writeOptionHeader(buf, index, OPT_STATUS_CODE, 2 + message.length);
        buf.setShort(index + 4, status);
        buf.setBytes(index + 6, message);
        return 6 + message.length;
    }

    /** DNS Recursive Name Server option with one address. */
    public static int writeDnsServer(ByteBuf buf, int index, long hi, long lo) {
        writeOptionHeader(buf, index, OPT_DNS_SERVERS, 16);
        buf.setLong(index + 4, hi);
        buf.setLong(index + 12, lo);
        return 20;
    }
}
