package io.jslirp.tap.cli;

import io.jslirp.tap.Settings;
import io.jslirp.tap.Target;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * What jslirp makes of a command line, as text: every field a flag can set, the settings built from them, and,
 * where running {@link Main#execute} starts nothing (a usage error, help, version), its status, stdout and
 * stderr. {@code command-lines.txt} was written by this class's {@code main} from picocli 4.7.6's parse (commit
 * 4b53578), before jslirp had its own parser, so that {@link Getopt} is checked against what picocli did
 * ({@link CommandLineRecordTest}); it is not to be rewritten from today's parser.
 */
final class CommandLineRecord {
    private CommandLineRecord() {
    }

    /** The command lines recorded; each is split at spaces, "''" is an empty argument. */
    static final List<String> LINES = List.of(
            "",
            "1234",
            "-c -r 3 1234 tap0",
            "-cr3 -e4 99",
            "-c6 1",
            "-6c 1",
            "-6cr3 1",
            "-r3 1",
            "-r 3 1",
            "--ready-fd=3 1",
            "--ready-fd 3 1",
            "-e 4 1",
            "--exit-fd=4 1",
            "--exit-fd 4 1",
            "-m65520 1",
            "-m 65520 1",
            "--mtu=65520 1",
            "--mtu 65520 1",
            "--mtu=1500 --mtu=9000 1",
            "-m 1500 -m 9000 1",
            "-m 9000 --mtu=1400 1",
            "-r 3 -r 5 1",
            "-c -c 1",
            "1234 -c",
            "1234 tap0 --mtu 9000 -r 3",
            "1234 --mtu=9000 tap0 -c",
            "1234 -- -c",
            "-- 1234",
            "-- 1234 tap0",
            "-- -5",
            "--",
            "-",
            "- tap0",
            "--netns-type=path /run/netns/a eth0",
            "--netns-type path /run/netns/a",
            "--netns /run/netns/a --userns-path=/proc/1/ns/user",
            "--netns=/run/netns/a tap1",
            "--netns=/run/netns/a --netns-type=pid",
            "--netns=/run/netns/a --netns-type=path",
            "--netns-type=tapfd 5",
            "--netns-type=tapfd x",
            "--userns-path=/u --netns-type=tapfd 5",
            "--userns-path /u 1",
            "--disable-host-loopback --mtu=65520 --enable-sandbox --enable-seccomp --enable-ipv6 -c -r 3 -e 4 --netns-type=path /run/user/1000/netns/x tap0",
            "--disable-host-loopback --mtu=65520 --enable-ipv6 -c -r 3 -e 4 --api-socket /tmp/s.sock --netns-type=path /run/user/1000/netns/x tap0",
            "--mtu 65520 -r 3 --cidr 10.0.3.0/24 4321 tap0",
            "--mtu 65520 -r 3 --userns-path=/proc/77/ns/user --netns-type=path /proc/77/ns/net tap0",
            "-p 8080:80 -p 53:53/udp --publish=1:2 --publish 3:4 -p5:6 1",
            "-p 8080:80 -p 8080:81 1",
            "-c --cidr=10.9.0.0/24 --macaddress=02:00:00:00:00:01 --disable-host-loopback --disable-dns 1",
            "-c --macaddress 02:00:00:aa:bb:cc 1",
            "--macaddress 02:00:00:00:00:01 1",
            "--outbound-addr=127.0.0.1 --outbound-addr6=::1 --busy-poll=0 --resolv-conf=/etc/hosts --pcap=/tmp/x.pcap 1",
            "--outbound-addr 127.0.0.1 --outbound-addr6 ::1 --busy-poll 7 --resolv-conf /etc/hosts --pcap /tmp/x.pcap 1",
            "-a /tmp/a.sock 1",
            "-a/tmp/a.sock 1",
            "--api-socket=/tmp/b 1",
            "--enable-sandbox --enable-seccomp 1",
            "--target-type=netns 1",
            "--target-type netns 1",
            "--target-type=bess 1",
            "--target-type=foo 1",
            "-6 --cidr6 fd12::/64 1",
            "-6 --cidr6=2001:db8:1::/64 1",
            "--cidr6=fd00:1::/64 1",
            "--cidr=10.0.3.0/24 1",
            "--cidr 10.0.3.0/24 --cidr=10.0.4.0/24 1",
            "1 tap0 extra",
            "1 tap0/x",
            "abc",
            "0",
            "-e -3 1",
            "--mtu -5 1",
            "--mtu= 1",
            "--mtu=0 1",
            "--mtu=abc 1",
            "-m '' 1",
            "-r abc 1",
            "--busy-poll=x 1",
            "--publish=80 1",
            "-p 80 1",
            "-r -c 1",
            "-e -c 1",
            "--mtu --cidr=10.0.3.0/24 1",
            "--mtu -c 1",
            "-r --mtu 1",
            "--configure=true 1",
            "--configure=yes 1",
            "-c=1 1",
            "-h",
            "--help",
            "-v",
            "--version",
            "--help 1",
            "1 --help",
            "-hv",
            "-vh",
            "--version --help",
            "--help --version",
            "-ch",
            "-c -h 1",
            "--help=x",
            "--version=x",
            "--help --bogus",
            "--version --bogus",
            "--bogus 1",
            "--bogus=3 1",
            "-x 1",
            "-cx 1",
            "-xc 1",
            "1 -r",
            "-r",
            "-e",
            "-m",
            "-a",
            "-p",
            "--mtu",
            "--cidr",
            "--netns",
            "--publish",
            "1 --userns-path",
            "---mtu 1",
            "-- --bogus",
            "1 -- --mtu 9000",
            "--he",
            "--conf 1",
            "--mt=9000 1",
            "--disable- 1",
            "--disable-h 1",
            "--outbound 1",
            "--outbound-addr6=::1 1",
            "--enable 1",
            "--net /x",
            "--netns-t=path /x",
            "--cid=10.0.3.0/24 1",
            "--vers",
            "-m 9000 run true",
            "1234 run",
            "1234 run true",
            "--mtu run true",
            "-- run true",
            "--help run",
            "run",
            "run --help",
            "run -h",
            "run --help true",
            "run -h --bogus",
            "run --bogus --help",
            "run --version",
            "run -v",
            "run --",
            "run --mtu",
            "run -m",
            "run -p",
            "run --mtu=0 -- true",
            "run --bogus true",
            "run -x true",
            "run -c true",
            "run -r 3 true",
            "run --enable-sandbox true",
            "run --busy-poll=x true",
            "run -p 80 true",
            "run --outbound-addr=nosuchif0 -- true",
            "run true",
            "run true --help",
            "run ping -c 3 10.0.2.2",
            "run -- ping -c 3 10.0.2.2",
            "run -m 9000 ping -c 3 10.0.2.2",
            "run -m9000 -6 -- sh -c x",
            "run -6m9000 sh",
            "run -p 8080:80 --publish 9090:90/udp -a /tmp/run.sock sh -p",
            "run --disable-dns --resolv-conf=/tmp/r true",
            "run --disable-host-loopback --outbound-addr=lo --outbound-addr6=::1 true",
            "run --mtu=1500 --mtu=9000 true",
            "run -- -- true",
            "run run true",
            "run -- --help",
            "run ''",
            "run --mt=9000 true",
            "run --disable- true",
            "run --he",
            "-cxz 1",
            "-6cx 1",
            "-x6 1",
            "'' tap0",
            "-r -- 1",
            "--mtu -- 1",
            "-m -x 1",
            "-r -c6 1",
            "-r -6 1",
            "--mtu=--cidr 1",
            "-p -p 1",
            "run -m -6 true",
            "run -m run true",
            "1 2 --bogus",
            "--configure=false 1",
            "--configure=TRUE 1",
            "--enable-ipv6=true 1",
            "run --help=true",
            "--ready-fd= 1",
            "--bogus -c",
            "-c --bogus",
            "--bogus --other 1",
            "--bogus --mtu",
            "--mtu=1 --bogus",
            "-c --",
            "run -6 --bogus",
            "1 -c --mtu",
            "-- --",
            "1 -",
            "run -",
            "run - x",
            "-r=3 1",
            "-c=true 1",
            "-m=9000 1",
            "-cr=3 1",
            "-ca=/x 1",
            "-6=false 1",
            "-r3=4 1",
            "--help=false",
            "run -m=9000 true",
            "--bogus run true",
            "--mtu=9000 -- run true");

    static String[] split(String line) {
        if (line.isEmpty()) {
            return new String[0];
        }
        String[] args = line.split(" ");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("''")) {
                args[i] = "";
            }
        }
        return args;
    }

    /** One command line's record: its arguments, then what became of them, one escaped line per item. */
    static String observe(String[] args) {
        StringBuilder r = new StringBuilder();
        r.append("args ").append(args.length);
        for (String a : args) {
            r.append('\t').append(escape(a));
        }
        r.append('\n');
        boolean safe = false;
        if (args.length > 0 && args[0].equals("run")) {
            RunCommand run = null;
            try {
                run = RunCommand.parse(args, 1);
            } catch (UsageException e) {
                safe = true;
            }
            if (run != null) {
                r.append("run ").append(escape(fields(run))).append('\n');
                safe = run.help || run.command.isEmpty();
                if (!safe) {
                    try {
                        Settings s = run.network.applyTo(Settings.builder(new Target.Pid(1))).configure(true).build();
                        r.append("settings ").append(escape(describe(s))).append('\n');
                    } catch (IllegalArgumentException e) {
                        safe = true;
                    }
                }
            }
        } else {
            MainCommand main = null;
            try {
                main = MainCommand.parse(args);
            } catch (UsageException e) {
                safe = true;
            }
            if (main != null) {
                r.append("main ").append(escape(fields(main))).append('\n');
                safe = main.help || main.version;
                if (!safe) {
                    ByteArrayOutputStream err = new ByteArrayOutputStream();
                    try {
                        Settings s = main.settings(new PrintStream(err, true, StandardCharsets.UTF_8));
                        r.append("settings ").append(escape(describe(s))).append('\n');
                        r.append("warnings ").append(escape(err.toString(StandardCharsets.UTF_8))).append('\n');
                    } catch (UsageException e) {
                        safe = true;
                    }
                }
            }
        }
        if (safe) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            r.append("status ").append(status).append('\n');
            r.append("out ").append(escape(out.toString(StandardCharsets.UTF_8))).append('\n');
            r.append("err ").append(escape(err.toString(StandardCharsets.UTF_8))).append('\n');
        }
        return r.toString();
    }

    static String fields(MainCommand m) {
        return String.join("|", "configure=" + m.configure, "exitFd=" + m.exitFd, "readyFd=" + m.readyFd,
                "netnsType=" + m.netnsType, "netns=" + m.netns, "usernsPath=" + m.usernsPath,
                "targetType=" + m.targetType, "enableSandbox=" + m.enableSandbox, "enableSeccomp=" + m.enableSeccomp,
                "help=" + m.help, "version=" + m.version, "positional=" + list(m.positional), fields(m.network));
    }

    static String fields(RunCommand r) {
        return String.join("|", "help=" + r.help, "command=" + list(r.command), fields(r.network));
    }

    static String fields(NetworkOptions n) {
        return String.join("|", "mtu=" + n.mtu, "cidr=" + n.cidr, "macAddress=" + n.macAddress, "pcap=" + n.pcap,
                "enableIpv6=" + n.enableIpv6, "cidr6=" + n.cidr6, "apiSocket=" + n.apiSocket, "publish=" + list(n.publish),
                "disableHostLoopback=" + n.disableHostLoopback, "disableDns=" + n.disableDns, "busyPoll=" + n.busyPoll,
                "resolvConf=" + n.resolvConf, "outboundAddr=" + n.outboundAddr, "outboundAddr6=" + n.outboundAddr6);
    }

    /** A list of strings in which an empty string shows. */
    static String list(List<String> items) {
        StringBuilder b = new StringBuilder("[");
        for (String item : items) {
            b.append(b.length() > 1 ? ", '" : "'").append(item).append('\'');
        }
        return b.append(']').toString();
    }

    static String describe(Settings s) {
        return String.join("|", String.valueOf(s.target()), String.valueOf(s.usernsPath()), s.tapName(),
                String.valueOf(s.net()), String.valueOf(s.net().ipv6()), String.valueOf(s.configure()),
                Long.toHexString(s.macAddress()), String.valueOf(s.readyFd()), String.valueOf(s.exitFd()),
                String.valueOf(s.pcapPath()), String.valueOf(s.disableHostLoopback()), String.valueOf(s.outboundAddr()),
                String.valueOf(s.outboundAddr6()), String.valueOf(s.disableDns()), String.valueOf(s.busyPollMicros()),
                String.valueOf(s.resolvConf()), String.valueOf(s.apiSocket()), String.valueOf(s.publish()));
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
