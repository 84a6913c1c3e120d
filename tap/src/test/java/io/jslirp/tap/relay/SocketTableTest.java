package io.jslirp.tap.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jslirp.stack.relay.HostSocketHandler;
import io.jslirp.tap.loop.EventLoop;
import io.jslirp.tap.sys.Errno;
import io.jslirp.tap.sys.Flags;
import io.jslirp.tap.sys.LibC;
import io.jslirp.tap.sys.Native;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SocketTable on real fds (eventfds stand in for sockets: epoll watches them alike) and a loop that is not
 * running, which the test thread may therefore drive itself.
 */
class SocketTableTest {
    /** fcntl(2): the lowest free fd at or above the argument, close-on-exec. */
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final LibC libc = Native.libc();
    private final HostSocketHandler first = (handle, events) -> { };
    private final HostSocketHandler second = (handle, events) -> { };
    private EventLoop loop;
    private SocketTable table;

    @BeforeEach
    void setUp() {
        loop = new EventLoop();
        table = new SocketTable(loop, libc, (fd, events) -> { });
    }

    @AfterEach
    void tearDown() {
        table.closeAll(table::release);
        loop.close();
    }

    private int eventFd() {
        int fd = libc.eventfd(0, Flags.EFD_NONBLOCK | Flags.EFD_CLOEXEC);
        assertTrue(fd >= 0, "eventfd: errno " + Native.errno());
        return fd;
    }

    private boolean isOpen(int fd) {
        if (libc.fcntl(fd, Flags.F_GETFD, 0) >= 0) {
            return true;
        }
        assertEquals(Errno.EBADF, Native.errno());
        return false;
    }

    @Test
    void adoptedFdIsOursWithItsHandlerAndTagUntilReleasedThenItIsClosed() {
        int fd = eventFd();

        assertEquals(fd, table.adopt(fd, EventLoop.EPOLLIN, 7, first));
        assertTrue(table.isOurs(fd));
        assertSame(first, table.handler(fd));
        assertEquals(7, table.tag(fd));
        assertEquals(1, table.openCount());

        table.setTag(fd, 9);
        assertEquals(9, table.tag(fd));

        table.release(fd);
        assertFalse(table.isOurs(fd));
        assertNull(table.handler(fd));
        assertEquals(0, table.tag(fd), "a released fd's tag must not leak into the next socket with its number");
        assertEquals(0, table.openCount());
        assertFalse(isOpen(fd));
    }

    @Test
    void fdsNeverAdoptedAreNotOurs() {
        int fd = eventFd();
        try {
            assertFalse(table.isOurs(fd));
            assertFalse(table.isOurs(-1));
            assertFalse(table.isOurs(1 << 20));
            assertNull(table.handler(-1));
            assertNull(table.handler(1 << 20));
        } finally {
            libc.close(fd);
        }
    }

    @Test
    void aHighFdGrowsTheTableAndKeepsWhatIsAlreadyThere() {
        int low = eventFd();
        int spare = eventFd();
        int high = libc.fcntl(spare, F_DUPFD_CLOEXEC, 300);
        libc.close(spare);
        assertTrue(high >= 300, "F_DUPFD: errno " + Native.errno());

        table.adopt(low, EventLoop.EPOLLIN, 1, first);
        assertEquals(high, table.adopt(high, EventLoop.EPOLLOUT, 2, second));

        assertSame(first, table.handler(low));
        assertEquals(1, table.tag(low));
        assertSame(second, table.handler(high));
        assertEquals(2, table.tag(high));
        assertFalse(table.isOurs(high - 1));
        assertEquals(2, table.openCount());
    }

    @Test
    void anFdTheLoopRefusesIsClosedAndItsErrnoReturned() {
        // epoll cannot watch /dev/null (no poll operation): epoll_ctl(ADD) fails with EPERM.
        int fd = libc.open("/dev/null", Flags.O_RDONLY | Flags.O_CLOEXEC, 0);
        assertTrue(fd >= 0, "open: errno " + Native.errno());

        assertEquals(-Errno.EPERM, table.adopt(fd, EventLoop.EPOLLIN, 1, first));
        assertFalse(table.isOurs(fd));
        assertEquals(0, table.openCount());
        assertFalse(isOpen(fd), "the refused fd must not leak");
    }

    @Test
    void failClosedClosesAndNegatesTheErrno() {
        int fd = eventFd();

        assertEquals(-Errno.EMFILE, table.failClosed(fd, Errno.EMFILE));
        assertFalse(isOpen(fd));
    }

    @Test
    void closeAllVisitsEveryOpenFdInOrderAndCountsThem() {
        int a = eventFd();
        int b = eventFd();
        int c = eventFd();
        table.adopt(a, EventLoop.EPOLLIN, 0, first);
        table.adopt(b, EventLoop.EPOLLIN, 0, first);
        table.adopt(c, EventLoop.EPOLLIN, 0, second);
        table.release(b);

        List<Integer> visited = new ArrayList<>();
        int closed = table.closeAll(fd -> {
            visited.add(fd);
            table.release(fd);
        });

        assertEquals(2, closed);
        assertEquals(List.of(Math.min(a, c), Math.max(a, c)), visited);
        assertEquals(0, table.openCount());
        assertFalse(isOpen(a));
        assertFalse(isOpen(c));
        assertEquals(0, table.closeAll(fd -> visited.add(-1)), "nothing left to close");
    }
}
