package io.sparktrain.trainer.sync.allreduce;

import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Rings of threads in one JVM, over loopback TCP as the executors use it. */
public final class LoopbackRing {
    static final byte[] TOKEN = "sixteen bytes ok".getBytes(StandardCharsets.US_ASCII);

    /** What one rank does with its place in the ring. */
    public interface RankWork<T> {
        T run(int rank, RingAllreduce ring) throws Exception;
    }

    private LoopbackRing() {}

    /** Runs {@code work} on every rank of a ring of {@code size} threads; returns the results by rank. */
    public static <T> List<T> run(int size, RankWork<T> work) throws Exception {
        List<ServerSocketChannel> servers = new ArrayList<>();
        List<InetSocketAddress> peers = new ArrayList<>();
        for (int rank = 0; rank < size; rank++) {
            ServerSocketChannel server = RingAllreduce.listen("127.0.0.1");
            servers.add(server);
            peers.add((InetSocketAddress) server.getLocalAddress());
        }
        ExecutorService ranks = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> results = new ArrayList<>();
            for (int rank = 0; rank < size; rank++) {
                int r = rank;
                results.add(ranks.submit(() -> {
                    try (ServerSocketChannel server = servers.get(r);
                            RingAllreduce ring = RingAllreduce.connect(r, peers, server, TOKEN,
                                    Duration.ofSeconds(30))) {
                        return work.run(r, ring);
                    }
                }));
            }
            List<T> outcomes = new ArrayList<>();
            for (Future<T> result : results) {
                outcomes.add(result.get());
            }
            return outcomes;
        } finally {
            ranks.shutdownNow();
        }
    }
}
