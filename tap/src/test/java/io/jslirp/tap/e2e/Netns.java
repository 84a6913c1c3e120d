package io.jslirp.tap.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A named network namespace ({@code ip netns add jsl-<random>}), deleted on close. */
final class Netns implements AutoCloseable {
    final String name;
    private boolean deleted;

    private Netns(String name) {
        this.name = name;
    }

    static Netns create() {
        String name = E2e.unique("jsl");
        Cmd.ok(E2e.SHORT, "ip", "netns", "add", name);
        return new Netns(name);
    }

    /** The bind mount that names it, as passed to {@code --netns-type=path}. */
    Path path() {
        return Path.of("/run/netns", name);
    }

    /** {@code argv} prefixed so that it runs inside this namespace. */
    List<String> exec(String... argv) {
        return E2e.concat(List.of("ip", "netns", "exec", name), argv);
    }

    Cmd.Result run(String... argv) {
        return Cmd.run(E2e.SHORT, exec(argv));
    }

    Cmd.Result ok(String... argv) {
        return Cmd.ok(E2e.SHORT, exec(argv));
    }

    /** Deletes it now (the namespace-disappearance test does this while jslirp is attached). */
    void delete() {
        if (!deleted && Files.exists(path())) {
            Cmd.ok(E2e.SHORT, "ip", "netns", "del", name);
        }
        deleted = true;
    }

    @Override
    public void close() {
        delete();
    }

    @Override
    public String toString() {
        return name;
    }
}
