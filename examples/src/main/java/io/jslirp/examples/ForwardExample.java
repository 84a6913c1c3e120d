package io.jslirp.examples;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.tap.Jslirp;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Publishing a guest's port from Java: serve a network namespace, forward a free host port on 127.0.0.1
 * to the guest's port 80, print the forward, keep it for a while, withdraw it, stop. With a GUEST_ADDR the
 * forward names it: an IPv6 one (fd00::100, which -c -6 gives the guest) turns the guest's IPv6 on and
 * carries every client, IPv4 ones included, over IPv6; without one IPv4 clients reach 10.0.2.100.
 *
 * <pre>
 *   ip netns add demo
 *   ip netns exec demo busybox httpd -f -p 80 -h /usr/share/doc &amp;
 *   java -cp examples/target/jslirp-examples.jar:tap/target/jslirp.jar \
 *       io.jslirp.examples.ForwardExample /run/netns/demo 80 30
 *   # prints "forward 1 tcp 127.0.0.1:PORT -> 10.0.2.100:80"; meanwhile: curl http://127.0.0.1:PORT/
 *   java ... io.jslirp.examples.ForwardExample /run/netns/demo 80 30 fd00::100   # the same over IPv6
 * </pre>
 */
public final class ForwardExample {
    private ForwardExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ForwardExample NETNS_PATH GUEST_PORT [SECONDS [GUEST_ADDR]]");
            System.exit(2);
        }
        Path netns = Path.of(args[0]);
        int guestPort = Integer.parseInt(args[1]);
        long seconds = args.length > 2 ? Long.parseLong(args[2]) : 30;
        // A literal (no lookup happens for one); null names no guest address.
        InetAddress guestAddr = args.length > 3 ? InetAddress.getByName(args[3]) : null;

        NetConfig net = NetConfig.of("10.0.2.0/24", 1500);
        if (guestAddr instanceof Inet6Address) {
            net = net.withIpv6(Ipv6Config.defaults(1500)); // -6: with configure(true) the guest gets fd00::100
        }
        Settings settings = Settings.builder(new Target.NetnsPath(netns))
                .net(net)
                .configure(true)
                .build();
        Jslirp session = Jslirp.start(settings);
        Thread loop = new Thread(session::run, "jslirp-loop");
        loop.start();
        try {
            // Host port 0: the kernel picks a free one, and the forward says which.
            PortForwards.Forward f = session.addForward(PortForwards.Protocol.TCP,
                    InetAddress.getByName("127.0.0.1"), 0, guestAddr, guestPort);
            System.out.println("forward " + f);
            System.out.println("try: curl http://127.0.0.1:" + f.hostPort() + "/");
            session.forwards().forEach(x -> System.out.println("  listed: " + x));
            if (!session.awaitEnd(seconds, TimeUnit.SECONDS)) {
                System.out.println("removed: " + session.removeForward(f.id()));
                System.out.println("tcpFlowsOpened = " + session.counters().get("tcpFlowsOpened"));
            }
        } catch (PortForwards.ForwardException e) {
            System.err.println("cannot forward: " + e.getMessage());
        } finally {
            session.end(Jslirp.EXIT_NORMAL, "example finished");
            loop.join(5_000);
        }
        System.out.println("ended: " + session.exitReason());
    }
}
