package io.jslirp.examples;

import io.jslirp.stack.NetConfig;
import io.jslirp.tap.Jslirp;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Embedding jslirp in a Java program: serve a network namespace for a while, print the stack's counters,
 * stop.
 *
 * <pre>
 *   ip netns add demo
 *   java -cp examples/target/jslirp-examples.jar:tap/target/jslirp.jar \
 *       io.jslirp.examples.EmbedExample /run/netns/demo 20 &amp;
 *   ip netns exec demo ping -c 3 10.0.2.2
 * </pre>
 */
public final class EmbedExample {
    private EmbedExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: EmbedExample NETNS_PATH [SECONDS]");
            System.exit(2);
        }
        Path netns = Path.of(args[0]);
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 30;

        Settings settings = Settings.builder(new Target.NetnsPath(netns))
                .net(NetConfig.of("10.0.2.0/24", 1500))
                .configure(true)
                .build();
        Jslirp session = Jslirp.start(settings);
        Thread loop = new Thread(session::run, "jslirp-loop");
        loop.start();
        System.out.println("serving " + session.tapName() + " in " + netns + " for " + seconds + " s");

        if (!session.awaitEnd(seconds, TimeUnit.SECONDS)) {
            session.counters().forEach((name, value) -> {
                if (value != 0) {
                    System.out.println(name + " = " + value);
                }
            });
            session.end(Jslirp.EXIT_NORMAL, "example finished");
        }
        loop.join(5_000);
        System.out.println("ended: " + session.exitReason());
    }
}
