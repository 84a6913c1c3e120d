package io.jslirp.stack.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;

/**
 * Fails a test when Netty's leak detector reports a leaked buffer.
 *
 * <p>Netty only logs leaks, and only when a later allocation polls the reference queue after the leaked
 * buffer was garbage collected. So this extension installs, before any buffer class is initialised, a
 * {@link ResourceLeakDetectorFactory} whose detectors record reports in a list, sets the level to
 * PARANOID (track every buffer), and at the end of each test and class forces collection and allocates a
 * few tracked buffers so that pending reports are delivered, then asserts the list is empty.
 *
 * <p>Only buffers from a pooled allocator (or unpooled direct ones) are tracked by Netty at all;
 * unpooled heap buffers never are, which is why {@link Frames} builds pooled buffers. Reports are
 * recorded here rather than logged because with slf4j on the test classpath (pcap4j brings it) and no
 * binding, Netty's own leak log goes nowhere.
 *
 * <p>Detectors are created in static initialisers ({@code AbstractByteBuf.leakDetector}); if some code
 * touched buffers before this class loaded, the factory would come too late. The first use therefore
 * leaks a deliberate canary and refuses to run if the canary is not reported.
 */
public final class LeakCheckExtension implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback,
        AfterAllCallback {
    private static final List<String> REPORTS = new ArrayList<>();
    private static volatile boolean canaryChecked;

    static {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        checkCanary();
        collectReports();
        synchronized (REPORTS) {
            REPORTS.clear();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks(context.getDisplayName() + " (class)");
    }

    /** Reports recorded so far (collecting pending ones first) and clears them. */
    public static List<String> drainReports() {
        collectReports();
        synchronized (REPORTS) {
            List<String> copy = new ArrayList<>(REPORTS);
            REPORTS.clear();
            return copy;
        }
    }

    private static void assertNoLeaks(String where) {
        List<String> leaks = drainReports();
        if (!leaks.isEmpty()) {
            throw new AssertionError("ByteBuf leak(s) detected in " + where + ":\n" + String.join("\n\n", leaks));
        }
    }

    /**
     * Leak reports are only produced from {@code track()} on a new allocation after GC enqueued the lost
     * buffer, so: collect, give the reference handler a moment, allocate tracked buffers; a few rounds.
     */
    private static void collectReports() {
        for (int round = 0; round < 3; round++) {
            System.gc();
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            for (int i = 0; i < 4; i++) {
                PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
                PooledByteBufAllocator.DEFAULT.directBuffer(1).release();
            }
        }
    }

    private static synchronized void checkCanary() {
        if (canaryChecked) {
            return;
        }
        leakCanary();
        for (int attempt = 0; attempt < 20; attempt++) {
            collectReports();
            synchronized (REPORTS) {
                if (REPORTS.stream().anyMatch(r -> r.contains("LeakCheckCanary"))) {
                    REPORTS.clear();
                    canaryChecked = true;
                    return;
                }
            }
        }
        throw new IllegalStateException("LeakCheckExtension could not observe a deliberate leak: it must be "
                + "loaded before any ByteBuf is allocated in this JVM");
    }

    private static void leakCanary() {
        ByteBuf canary = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        canary.touch("LeakCheckCanary");
        canary.writeLong(1);
        // Dropped without release on purpose.
    }

    private static final class RecordingFactory extends ResourceLeakDetectorFactory {
        @Override
        @SuppressWarnings("deprecation")
        public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                   long maxActive) {
            return new RecordingDetector<>(resource, samplingInterval);
        }
    }

    private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
        RecordingDetector(Class<T> resource, int samplingInterval) {
            super(resource, samplingInterval);
        }

        /** Netty skips reporting (and even stops polling) when its error log is off; we always want reports. */
        @Override
        protected boolean needReport() {
            return true;
        }

        @Override
        protected void reportTracedLeak(String resourceType, String records) {
            record("LEAK: " + resourceType + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
            record("LEAK: " + resourceType + " (untraced)");
        }

        private static void record(String report) {
            synchronized (REPORTS) {
                REPORTS.add(report);
            }
        }
    }
}
