package io.sparktrain.trainer.sync.sharing;

import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * The UDP port each JVM of one training session listens on, chosen from a configured range.
 * DL4J's {@code StaticPortSupplier} ignores the port it is given and every JVM binds 49876, so two
 * executors on one host collide and the mesh silently never forms; this supplier gives every JVM
 * a free port of its own instead. The driver (the controller) takes the first free port from the
 * start of the range; an executor starts its search at an offset from its executor id, so that
 * executors starting together on one host do not race for the same port. DL4J asks several times
 * per JVM, so the choice is remembered per session.
 */
public final class PortRange implements PortSupplier {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Integer> CHOSEN = new ConcurrentHashMap<>();

    private final String session;
    private final int first;
    private final int last;

    public PortRange(String session, int first, int last) {
        if (first < 1 || last > 65_535 || first > last) {
            throw new IllegalArgumentException("invalid UDP port range " + first + "-" + last);
        }
        this.session = session;
        this.first = first;
        this.last = last;
    }

    /** Parses {@code "49876"} or {@code "49876-49899"}, as {@code sync.sharing.ports} holds it. */
    public static PortRange parse(String session, String ports) {
        String[] bounds = ports.split("-");
        return new PortRange(session, Integer.parseInt(bounds[0].strip()), Integer.parseInt(bounds[bounds.length - 1].strip()));
    }

    @Override
    public int getPort() {
        return CHOSEN.computeIfAbsent(session, s -> freePort(offsetFor(executorId()), hostName()));
    }

    /**
     * The first port this JVM can bind, searching from {@code offset} and wrapping within the range;
     * fails naming the setting and {@code where} when every port is taken.
     */
    int freePort(int offset, String where) {
        for (int i = 0; i < size(); i++) {
            int port = first + (offset + i) % size();
            if (isFree(port)) {
                return port;
            }
        }
        throw new InvalidConfigException("no free UDP port in " + ConfigSchema.PORTS.key() + " = " + this + " on "
                + where + ": widen the range or stop what holds those ports");
    }

    int size() {
        return last - first + 1;
    }

    /** The driver starts at the first port; executor N at 1 + N, wrapping within the range. */
    int offsetFor(String executorId) {
        if (executorId == null || executorId.equals("driver")) {
            return 0;
        }
        try {
            return size() == 1 ? 0 : 1 + Math.floorMod(Integer.parseInt(executorId), size() - 1);
        } catch (NumberFormatException e) {
            return 1 + Math.floorMod(executorId.hashCode(), Math.max(1, size() - 1));
        }
    }

    /** Free when this JVM can bind it on every address: Aeron binds one, and any holder of it would clash. */
    private static boolean isFree(int port) {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(port))) {
            return socket.getLocalPort() == port;
        } catch (IOException e) {
            return false;
        }
    }

    private static String executorId() {
        SparkEnv env = SparkEnv.get();
        return env == null ? null : env.executorId();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "this host";
        }
    }

    @Override
    public String toString() {
        return first == last ? String.valueOf(first) : first + "-" + last;
    }
}
