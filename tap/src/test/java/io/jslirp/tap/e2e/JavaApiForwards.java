package io.jslirp.tap.e2e;

import io.jslirp.stack.Ipv6Config;
import io.jslirp.stack.NetConfig;
import io.jslirp.stack.PortForwards;
import io.jslirp.stack.PortForwards.Protocol;
import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import io.jslirp.tap.api.HostAddresses;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The Java API as an embedding program uses it, run by {@link ForwardIpv6IT} in its own JVM on the packaged
 * jar ({@code java -cp jslirp.jar:TEST-CLASSES}): {@code -c -6} on the namespace of PID, a
 * {@code Settings.Builder.publish} of {@code [::1]:PUBLISHED} to {@code [fd00::100]:80}, then
 * {@code addForward} of 127.0.0.1 (a free port) to {@code [fd00::100]:80} and of UDP {@code [::1]} (a free port)
 * to the guest's 5353 with no guest address named. Prints {@code forward ID PROTO HOST_ADDR HOST_PORT GUEST_ADDR
 * NAMED} per forward, then {@code ready}; on stdin {@code remove ID} answers {@code removed ID true|false};
 * at EOF it ends the session and exits 0.
 */
public final class JavaApiForwards {
    private JavaApiForwards() {
    }

    static List<String> argv(long pid, int published) {
        return List.of(E2e.javaBin(), "-XX:+UseSerialGC", "-Xmx256m", "-cp", E2e.jar() + ":" + GuestTool.classes(),
                JavaApiForwards.class.getName(), Long.toString(pid), Integer.toString(published));
    }

    public static void main(String[] a) throws Exception {
        int pid = Integer.parseInt(a[0]);
        int published = Integer.parseInt(a[1]);
        InetAddress guest6 = InetAddress.getByName("fd00::100");
        Settings settings = Settings.builder(new Target.Pid(pid))
                .net(NetConfig.defaults().withIpv6(Ipv6Config.defaults(NetConfig.DEFAULT_MTU)))
                .configure(true)
                .publish(Protocol.TCP, InetAddress.getByName("::1"), published, guest6, 80)
                .build();
        io.jslirp.tap.Jslirp session = io.jslirp.tap.Jslirp.start(settings);
        Thread loop = new Thread(session::run, "jslirp-loop");
        loop.start();
        try {
            session.addForward(Protocol.TCP, InetAddress.getByName("127.0.0.1"), 0, guest6, 80);
            session.addForward(Protocol.UDP, InetAddress.getByName("::1"), 0, (InetAddress) null, 5353);
            for (PortForwards.Forward f : session.forwards()) {
                System.out.println("forward " + f.id() + " " + f.protocol().wireName() + " " + HostAddresses.format(f.hostAddr())
                        + " " + f.hostPort() + " " + HostAddresses.format(f.guestAddress()) + " " + f.guestAddressNamed());
            }
            System.out.println("ready");
            System.out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("remove ")) {
                    int id = Integer.parseInt(line.substring(7).trim());
                    System.out.println("removed " + id + " " + session.removeForward(id));
                    System.out.flush();
                }
            }
        } finally {
            session.end(io.jslirp.tap.Jslirp.EXIT_NORMAL, "test finished");
            loop.join(5_000);
        }
        System.exit(0);
    }
}
