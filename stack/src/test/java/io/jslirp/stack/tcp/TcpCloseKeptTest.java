package io.jslirp.stack.tcp;

import org.junit.jupiter.api.AfterEach;

/**
 * Every case of {@link TcpCloseTest} again, with host sockets that keep their bytes until the guest acknowledges them
 * ({@link KeptBytes}, Linux 6.9+): the same segments must reach the guest and the host either way.
 */
class TcpCloseKeptTest extends TcpCloseTest {
    TcpCloseKeptTest() {
        host.keepBytes = true;
    }

    @AfterEach
    void everyReadSocketKeptItsBytes() {
        host.assertKeptWhereRead();
    }
}
