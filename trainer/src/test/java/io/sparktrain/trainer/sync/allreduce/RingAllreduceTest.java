package io.sparktrain.trainer.sync.allreduce;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Rings of threads in one JVM, over loopback TCP as the executors use it. */
class RingAllreduceTest {
    private static final byte[] TOKEN = LoopbackRing.TOKEN;

    /** Every rank's vector after {@code rounds} sums of {@code vectors.get(rank)} (each summed in place). */
    private static List<float[]> sumOnARing(List<float[]> vectors, int rounds) throws Exception {
        return LoopbackRing.run(vectors.size(), (rank, ring) -> {
            float[] data = vectors.get(rank);
            for (int round = 0; round < rounds; round++) {
                ring.sum(data);
            }
            return data;
        });
    }

    @ParameterizedTest(name = "{0} ranks, {1} components")
    @CsvSource({"1, 7", "2, 1", "2, 1000", "3, 7", "3, 2", "5, 1001", "4, 100003"})
    void integersSumExactlyOnEveryRankWhateverTheLength(int size, int length) throws Exception {
        List<float[]> vectors = new ArrayList<>();
        float[] expected = new float[length];
        for (int rank = 0; rank < size; rank++) {
            float[] v = new float[length];
            for (int i = 0; i < length; i++) {
                v[i] = (i * 31 + rank * 7) % 1000 - 500;
                expected[i] += v[i];
            }
            vectors.add(v);
        }
        for (float[] sum : sumOnARing(vectors, 1)) {
            assertArrayEquals(expected, sum);
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @CsvSource({"2", "3", "5"})
    void floatsSumWithinRoundingIdenticallyOnEveryRankAndRepeatably(int size) throws Exception {
        int length = 10_007;
        Random random = new Random(size);
        List<float[]> vectors = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            float[] v = new float[length];
            for (int i = 0; i < length; i++) {
                v[i] = (float) random.nextGaussian();
            }
            vectors.add(v);
        }
        double[] exact = new double[length];
        for (float[] v : vectors) {
            for (int i = 0; i < length; i++) {
                exact[i] += v[i];
            }
        }
        List<float[]> copies = vectors.stream().map(float[]::clone).toList();
        List<float[]> sums = sumOnARing(vectors, 1);
        for (int i = 0; i < length; i++) {
            // A float32 sum of `size` terms of about 1 rounds by a few of its ulps at most.
            assertEquals(exact[i], sums.get(0)[i], 1e-5 * size, "component " + i);
        }
        for (float[] sum : sums) {
            assertArrayEquals(sums.get(0), sum, 0f, "every rank holds the same bits");
        }
        assertArrayEquals(sums.get(0), sumOnARing(copies, 1).get(0), 0f, "and the same bits on every run");
    }

    @ParameterizedTest(name = "{0} ranks")
    @CsvSource({"2", "3"})
    void aRingSumsAgainAndAgain(int size) throws Exception {
        List<float[]> vectors = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            vectors.add(new float[] {1, 2, 3, 4, 5});
        }
        // Each round multiplies by the ring's size.
        float factor = size * size * size;
        for (float[] sum : sumOnARing(vectors, 3)) {
            assertArrayEquals(new float[] {factor, 2 * factor, 3 * factor, 4 * factor, 5 * factor}, sum);
        }
    }

    @ParameterizedTest(name = "{0} ranks")
    @CsvSource({"1", "2", "3", "5"})
    void everyRankGathersEveryMessageInRankOrderWhateverTheirLengths(int size) throws Exception {
        // Rank r sends r * 1000 + 0 .. r * 1000 + 3r - 1: rank 0's message is empty. Twice, with the
        // lengths reversed the second time, so that a ring's buffers are reused at other lengths.
        List<int[][][]> gathered = LoopbackRing.run(size, (rank, ring) -> new int[][][] {
            ring.allGather(message(rank, 3 * rank)), ring.allGather(message(rank, 3 * (size - 1 - rank)))});
        for (int[][][] both : gathered) {
            for (int from = 0; from < size; from++) {
                assertArrayEquals(message(from, 3 * from), both[0][from], "first gather, rank " + from);
                assertArrayEquals(message(from, 3 * (size - 1 - from)), both[1][from], "second gather, rank " + from);
            }
        }
    }

    private static int[] message(int rank, int length) {
        int[] message = new int[length];
        for (int i = 0; i < length; i++) {
            message[i] = rank * 1000 + i;
        }
        return message;
    }

    @Test
    void aRankThatNeverConnectsIsNamedAndAStrangerIsTurnedAway() throws Exception {
        try (ServerSocketChannel mine = RingAllreduce.listen("127.0.0.1");
                ServerSocketChannel silent = RingAllreduce.listen("127.0.0.1")) {
            List<InetSocketAddress> peers = List.of((InetSocketAddress) mine.getLocalAddress(),
                    (InetSocketAddress) silent.getLocalAddress());
            // Rank 1's number with the wrong secret, then a connection that says nothing at all.
            try (SocketChannel stranger = SocketChannel.open(peers.get(0));
                    SocketChannel mute = SocketChannel.open(peers.get(0))) {
                stranger.write(ByteBuffer.allocate(20).putInt(1).put(new byte[16]).flip());
                IOException e = assertThrows(IOException.class,
                        () -> RingAllreduce.connect(0, peers, mine, TOKEN, Duration.ofMillis(800)));
                assertTrue(e.getMessage().contains("rank 1 did not connect"), e.getMessage());
            }
        }
    }
}
