package io.jslirp.tap.cli;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.logging.InternalLogger;
import io.netty.util.internal.logging.InternalLoggerFactory;

/**
 * Run in a JVM of its own by {@link StartPathClassesTest}, with a class-load log: what jslirp's start does with
 * Netty's logging, the jslirp way ({@code jslirp}) or the library's default way ({@code defaults}: Netty's own
 * logger factory), so the test can compare.
 */
public final class StartPathProbe {
    private StartPathProbe() {
    }

    public static void main(String[] args) {
        boolean jslirp = "jslirp".equals(args[0]);
        if (jslirp) {
            StderrLog.install(System.err);
        }
        // Netty's start-up path: PlatformDependent and the pool each ask for a logger and log at debug.
        PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
        InternalLogger log = InternalLoggerFactory.getInstance("io.netty.util.ResourceLeakDetector");
        log.warn("LEAK: {} was not released", "a buffer");
        log.debug("a debug line {}", "nobody reads");
        System.err.flush();
    }
}
