package io.sparktrain.trainer.sync.allreduce;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sums a float vector across a ring of processes over TCP, every process ending with the same
 * sum (or gathers every process's message on every process): a reduce-scatter, then an all-gather, each of {@code size - 1} steps in which every
 * process sends one chunk to the next and receives one from the previous (Patarasuk and Yuan,
 * 2009). Each process sends and receives about {@code 2 (size - 1) / size} times the vector, however
 * many processes there are. The sum of each chunk is taken in the same order on every call, so
 * runs repeat bit for bit.
 */
public final class RingAllreduce implements AutoCloseable {
    private final int rank;
    private final int size;
    private final SocketChannel next;
    private final SocketChannel previous;
    private final ExecutorService sender;
    private ByteBuffer outgoing = ByteBuffer.allocate(0);
    private ByteBuffer incoming = ByteBuffer.allocate(0);
    private long sentBytes;

    private RingAllreduce(int rank, int size, SocketChannel next, SocketChannel previous) {
        this.rank = rank;
        this.size = size;
        this.next = next;
        this.previous = previous;
        this.sender = size == 1 ? null : Executors.newSingleThreadExecutor(r -> {
            Thread thread = new Thread(r, "allreduce-send-" + rank);
            thread.setDaemon(true);
            return thread;
        });
    }

    /** The socket this process listens on for its previous neighbour, on {@code host} and a free port. */
    public static ServerSocketChannel listen(String host) throws IOException {
        return onTheRing(() -> {
            ServerSocketChannel server = ServerSocketChannel.open();
            try {
                server.bind(new InetSocketAddress(host, 0));
                return server;
            } catch (IOException e) {
                server.close();
                throw e;
            }
        });
    }

    /**
     * Joins the ring as {@code rank} of {@code peers.size()}: connects to the next rank's listening
     * address and accepts the previous rank on {@code server}. Every rank must have opened its
     * server before any rank connects, as a barrier's exchange of addresses ensures. A connection
     * counts only once it has sent the previous rank's number and {@code token}, a secret every rank
     * received through Spark; any other is closed, so a stranger cannot join the ring.
     */
    public static RingAllreduce connect(int rank, List<InetSocketAddress> peers, ServerSocketChannel server,
            byte[] token, Duration timeout) throws IOException {
        return onTheRing(() -> connectOrThrow(rank, peers, server, token, timeout));
    }

    private static RingAllreduce connectOrThrow(int rank, List<InetSocketAddress> peers, ServerSocketChannel server,
            byte[] token, Duration timeout) throws IOException {
        int size = peers.size();
        if (size == 1) {
            return new RingAllreduce(0, 1, null, null);
        }
        SocketChannel next = SocketChannel.open();
        try {
            next.socket().connect(peers.get((rank + 1) % size), (int) timeout.toMillis());
            next.socket().setTcpNoDelay(true);
            writeFully(next, ByteBuffer.allocate(4 + token.length).putInt(rank).put(token).flip());
            SocketChannel previous = acceptPrevious(rank, size, server, token, timeout);
            return new RingAllreduce(rank, size, next, previous);
        } catch (IOException | RuntimeException e) {
            next.close();
            throw e;
        }
    }

    private static SocketChannel acceptPrevious(int rank, int size, ServerSocketChannel server, byte[] token,
            Duration timeout) throws IOException {
        int expected = (rank + size - 1) % size;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int left = (int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            server.socket().setSoTimeout(left);
            Socket accepted;
            try {
                accepted = server.socket().accept();
            } catch (SocketTimeoutException e) {
                throw new IOException("allreduce rank " + rank + ": rank " + expected + " did not connect within "
                        + timeout.toSeconds() + " s", e);
            }
            // Read through the socket, not its channel, so that the handshake's read times out too.
            accepted.setSoTimeout(left);
            byte[] hello = new byte[4 + token.length];
            try {
                new DataInputStream(accepted.getInputStream()).readFully(hello);
            } catch (IOException e) {
                accepted.close();
                continue;
            }
            ByteBuffer received = ByteBuffer.wrap(hello);
            if (received.getInt() == expected
                    && MessageDigest.isEqual(Arrays.copyOfRange(hello, 4, hello.length), token)) {
                accepted.setSoTimeout(0);
                accepted.setTcpNoDelay(true);
                return accepted.getChannel();
            }
            accepted.close();
        }
    }

    public int size() {
        return size;
    }

    /** Bytes this rank has sent to the next so far. */
    public long sentBytes() {
        return sentBytes;
    }

    /** Replaces {@code data} with its sum over all ranks; every rank passes a vector of the same length. */
    public void sum(float[] data) throws IOException {
        onTheRing(() -> {
            sumOrThrow(data);
            return null;
        });
    }

    private void sumOrThrow(float[] data) throws IOException {
        if (size == 1) {
            return;
        }
        int largest = 0;
        for (int c = 0; c < size; c++) {
            largest = Math.max(largest, end(c, data.length) - start(c, data.length));
        }
        if (outgoing.capacity() < 4 * largest) {
            outgoing = ByteBuffer.allocateDirect(4 * largest).order(ByteOrder.LITTLE_ENDIAN);
            incoming = ByteBuffer.allocateDirect(4 * largest).order(ByteOrder.LITTLE_ENDIAN);
        }
        for (int step = 0; step < size - 1; step++) {
            exchange(data, Math.floorMod(rank - step, size), Math.floorMod(rank - step - 1, size), true);
        }
        for (int step = 0; step < size - 1; step++) {
            exchange(data, Math.floorMod(rank + 1 - step, size), Math.floorMod(rank - step, size), false);
        }
    }

    /**
     * Every rank's {@code own} message, indexed by rank, on every rank; the messages may differ in
     * length. In {@code size - 1} steps each rank passes on the message it received last (its own
     * first), so each sends and receives every other rank's message once.
     */
    public int[][] allGather(int[] own) throws IOException {
        return onTheRing(() -> allGatherOrThrow(own));
    }

    private int[][] allGatherOrThrow(int[] own) throws IOException {
        int[][] messages = new int[size][];
        messages[rank] = own;
        for (int step = 0; step < size - 1; step++) {
            int[] passed = messages[Math.floorMod(rank - step, size)];
            ByteBuffer out = ByteBuffer.allocate(4 + 4 * passed.length).order(ByteOrder.LITTLE_ENDIAN);
            out.putInt(passed.length).asIntBuffer().put(passed);
            out.rewind();
            sentBytes += out.capacity();
            Future<?> sent = sender.submit(() -> {
                writeFully(next, out);
                return null;
            });
            ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            readFully(previous, length);
            int[] received = new int[length.getInt(0)];
            ByteBuffer in = ByteBuffer.allocate(4 * received.length).order(ByteOrder.LITTLE_ENDIAN);
            readFully(previous, in);
            in.flip().asIntBuffer().get(received);
            messages[Math.floorMod(rank - step - 1, size)] = received;
            await(sent);
        }
        return messages;
    }

    /** Sends chunk {@code send} to the next rank while receiving chunk {@code receive}, added or copied in. */
    private void exchange(float[] data, int send, int receive, boolean add) throws IOException {
        int sendFrom = start(send, data.length);
        int sendLength = end(send, data.length) - sendFrom;
        outgoing.clear();
        outgoing.asFloatBuffer().put(data, sendFrom, sendLength);
        outgoing.limit(4 * sendLength);
        sentBytes += 4L * sendLength;
        Future<?> sent = sender.submit(() -> {
            writeFully(next, outgoing);
            return null;
        });
        int receiveFrom = start(receive, data.length);
        int receiveLength = end(receive, data.length) - receiveFrom;
        incoming.clear().limit(4 * receiveLength);
        readFully(previous, incoming);
        incoming.flip();
        if (add) {
            for (int i = 0; i < receiveLength; i++) {
                data[receiveFrom + i] += incoming.getFloat(4 * i);
            }
        } else {
            incoming.asFloatBuffer().get(data, receiveFrom, receiveLength);
        }
        await(sent);
    }

    private static void await(Future<?> sent) throws IOException {
        try {
            sent.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("allreduce interrupted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("allreduce: sending to the next rank failed", e.getCause());
        }
    }

    /** Chunk {@code c} of a vector of {@code length}: the chunks differ in length by one at most. */
    private int start(int c, int length) {
        return (int) ((long) c * length / size);
    }

    private int end(int c, int length) {
        return start(c + 1, length);
    }

    /** Something the ring does over its sockets. */
    private interface RingIo<T> {
        T run() throws IOException;
    }

    private static <T> T onTheRing(RingIo<T> io) throws BrokenRingException {
        try {
            return io.run();
        } catch (BrokenRingException e) {
            throw e;
        } catch (IOException e) {
            throw new BrokenRingException(e);
        }
    }

    /**
     * The ring failed: its socket could not listen, a peer closed or reset its connection or never
     * connected, or a send failed.
     * Usually the consequence of another rank's failure, which Spark reports beside it.
     */
    public static final class BrokenRingException extends IOException {
        private static final long serialVersionUID = 1L;

        BrokenRingException(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private static void writeFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                throw new EOFException("allreduce: the previous rank closed the connection");
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (sender != null) {
            sender.shutdownNow();
        }
        if (next != null) {
            next.close();
            previous.close();
        }
    }
}
