package io.jslirp.tap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * jslirp's own parser against picocli's record ({@link CommandLineRecord}): every command line means what it
 * meant, with the same fields, settings, status, stdout and stderr, except the few listed in {@link #CHANGED},
 * each with what it does now.
 */
class CommandLineRecordTest {
    private static final String TRY = "\\nTry 'jslirp --help' for more information.\\n";
    private static final String TRY_RUN = "\\nTry 'jslirp run --help' for more information.\\n";
    private static final String RUN_FIRST = "err jslirp: 'run' must come first: jslirp run [OPTION]... [--] COMMAND [ARG]..." + TRY;

    /**
     * Where jslirp now differs from picocli on purpose, and a line of its record now. Long options may be
     * abbreviated, as getopt_long (and so slirp4netns) allows; an ambiguous abbreviation gets getopt_long's
     * message. {@code run} after other arguments is an error: picocli took it for the subcommand there too
     * and silently dropped everything before it ({@code -m 9000 run true} ran with MTU 1500). A value after
     * {@code =} is the value, as getopt has it, even one that starts with dashes.
     */
    private static final Map<String, String> CHANGED = new LinkedHashMap<>();

    static {
        CHANGED.put("--he", "status 0");
        CHANGED.put("--conf 1", "main configure=true|");
        CHANGED.put("--mt=9000 1", "|mtu=9000|");
        CHANGED.put("--disable- 1", "err jslirp: option '--disable-' is ambiguous; possibilities: '--disable-host-loopback' "
                + "'--disable-dns'" + TRY);
        CHANGED.put("--disable-h 1", "|disableHostLoopback=true|");
        CHANGED.put("--outbound 1", "err jslirp: option '--outbound' is ambiguous; possibilities: '--outbound-addr' "
                + "'--outbound-addr6'" + TRY);
        CHANGED.put("--enable 1", "err jslirp: option '--enable' is ambiguous; possibilities: '--enable-ipv6' "
                + "'--enable-sandbox' '--enable-seccomp'" + TRY);
        CHANGED.put("--net /x", "err jslirp: option '--net' is ambiguous; possibilities: '--netns-type' '--netns'" + TRY);
        CHANGED.put("--netns-t=path /x", "|netnsType=path|");
        CHANGED.put("--cid=10.0.3.0/24 1", "err jslirp: option '--cid=10.0.3.0/24' is ambiguous; possibilities: '--cidr' "
                + "'--cidr6'" + TRY);
        CHANGED.put("--vers", "out jslirp version ");
        CHANGED.put("run --mt=9000 true", "|mtu=9000|");
        CHANGED.put("run --disable- true", "err jslirp: option '--disable-' is ambiguous; possibilities: "
                + "'--disable-host-loopback' '--disable-dns'" + TRY_RUN);
        CHANGED.put("run --he", "status 0");
        CHANGED.put("-m 9000 run true", RUN_FIRST);
        CHANGED.put("1234 run", RUN_FIRST);
        CHANGED.put("1234 run true", RUN_FIRST);
        CHANGED.put("--help run", RUN_FIRST);
        CHANGED.put("--mtu=--cidr 1", "err jslirp: MTU must be a positive integer (< 65522)" + TRY);
    }

    /** The JDK the record was made on, as its {@code --version} lines name it. */
    private static final String RECORDED_ON = "17.0.15";

    private static List<String> recorded() throws IOException {
        try (InputStream in = CommandLineRecordTest.class.getResourceAsStream("command-lines.txt")) {
            // --version names the JDK it runs on: the record's is the one it was made on.
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8)
                    .replace("\\njava: " + RECORDED_ON + "\\n", "\\njava: " + System.getProperty("java.version") + "\\n");
            List<String> records = new ArrayList<>();
            for (String record : text.split("\n\n")) {
                records.add(record.endsWith("\n") ? record : record + "\n");
            }
            return records;
        }
    }

    @Test
    void everyRecordedCommandLineMeansWhatItMeantUnderPicocli() throws IOException {
        List<String> records = recorded();
        assertEquals(CommandLineRecord.LINES.size(), records.size());
        List<String> differing = new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            String line = CommandLineRecord.LINES.get(i);
            String now = CommandLineRecord.observe(CommandLineRecord.split(line));
            if (CHANGED.containsKey(line)) {
                assertNotEquals(records.get(i), now, line + " is no longer a change");
                assertTrue(now.contains(CHANGED.get(line)), line + ":\n" + now);
            } else if (!records.get(i).equals(now)) {
                differing.add("picocli:\n" + records.get(i) + "now:\n" + now);
            }
        }
        assertEquals(List.of(), differing);
        assertTrue(CommandLineRecord.LINES.containsAll(CHANGED.keySet()));
    }
}
