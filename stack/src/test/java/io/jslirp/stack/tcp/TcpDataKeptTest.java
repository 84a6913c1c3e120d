package io.jslirp.stack.tcp;

import org.junit.jupiter.api.AfterEach;

/**
 * Every case of {@link TcpDataTest} again, with host sockets that keep their bytes until the guest acknowledges them
 * ({@link KeptBytes}, Linux 6.9+): the same segments must reach the guest and the host either way.
 */
class TcpDataKeptTest extends TcpDataTest {
    TcpDataKeptTest() {
        host.keepBytes = true;
    }

    @AfterEach
    void everyReadSocketKeptItsBytes() {
        host.assertKeptWhereRead();
    }
}
