package io.sparktrain.trainer.sync.sharing;

import io.sparktrain.datasets.spark.SparkJobs;
import io.sparktrain.trainer.config.ConfigSchema;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import java.io.IOException;
import java.io.Serializable;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Where the gradient-sharing mesh lives: the controller (driver) address, the network every JVM
 * binds an address in, and the UDP ports; and the checks, on the driver and on every executor,
 * that it can work, so that a wrong setting ends in seconds with the key to change instead of a
 * hang or a silent fall back to 127.0.0.1 (which DL4J does when no network is given).
 *
 * @param controllerAddress the driver's IPv4 address that workers connect to
 * @param networkMask the IPv4 network, as CIDR, in which every JVM binds its address
 */
public record SharingNetwork(String controllerAddress, String networkMask, String ports) implements Serializable {
    /** Aeron keeps three term buffers per publication and per image, in memory-mapped files. */
    static final long TERM_BUFFER_BYTES = Long.getLong("aeron.term.buffer.length", 32L << 20);
    static final Path AERON_DIR_PARENT = Path.of(System.getProperty("aeron.dir.parent", "/dev/shm"));

    /** Resolves the config's empty (automatic) settings; fails naming the key when that is impossible. */
    public static SharingNetwork resolve(TrainConfig.Sharing sharing, boolean local, String driverHost) {
        String controller = sharing.controllerAddress();
        String mask = sharing.networkMask();
        if (!sharing.networkInterface().isEmpty()) {
            InterfaceAddress onInterface = ipv4Of(sharing.networkInterface());
            mask = cidr(onInterface);
            if (controller.isEmpty()) {
                controller = onInterface.getAddress().getHostAddress();
            }
        }
        if (controller.isEmpty()) {
            controller = local ? "127.0.0.1" : driverHost;
        }
        String address = hostAddress(controller);
        if (mask.isEmpty()) {
            mask = local ? "127.0.0.0/8" : cidr(localInterfaceAddress(address));
        }
        SharingNetwork network = new SharingNetwork(address, mask, sharing.ports());
        if (!network.contains(address)) {
            throw new InvalidConfigException(ConfigSchema.CONTROLLER_ADDRESS.key() + " = " + address + " is outside "
                    + ConfigSchema.NETWORK_MASK.key() + " = " + mask + ": workers bind addresses in that network and "
                    + "must reach the controller in it");
        }
        return network;
    }

    /** Checks the driver's side: the controller address is this machine's, a port is free, Aeron has room. */
    public void checkDriver(int expectedWorkers) {
        localInterfaceAddress(controllerAddress);
        requireFreePort("the driver");
        requireAeronSpace("the driver", 2 * 3 * TERM_BUFFER_BYTES * Math.max(1, expectedWorkers));
    }

    /**
     * Runs, as tasks in every executor slot, the executors' side: an address in the network, a free
     * port, room for Aeron, and a resolvable controller. Fails with every executor's problem.
     */
    public void checkExecutors(JavaSparkContext sc) {
        int slots = sc.defaultParallelism();
        List<String> problems;
        try {
            problems = SparkJobs.named(sc, "preflight", "gradient sharing: executor check",
                    () -> sc.parallelize(IntStream.range(0, slots).boxed().toList(), slots)
                            .map(slot -> checkThisExecutor()).filter(p -> !p.isEmpty()).distinct().collect());
        } catch (Exception e) { // a SparkException, checked but undeclared since Spark throws it from Scala
            throw new IllegalStateException("gradient-sharing preflight could not run on the executors: "
                    + e.getMessage(), e);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException("gradient sharing cannot start:\n  " + String.join("\n  ", problems));
        }
    }

    private String checkThisExecutor() {
        String where = "executor " + SparkEnv.get().executorId() + " on " + localHostName();
        try {
            if (ownAddress() == null) {
                return where + " has no address in " + ConfigSchema.NETWORK_MASK.key() + " = " + networkMask
                        + " (its addresses: " + ipv4Addresses() + ")";
            }
            InetAddress.getByName(controllerAddress);
            requireFreePort(where);
            requireAeronSpace(where, 2 * 3 * TERM_BUFFER_BYTES);
            return "";
        } catch (RuntimeException | IOException e) {
            return where + ": " + e.getMessage();
        }
    }

    /** This JVM's address in the network, as DL4J will pick it; null if there is none. */
    String ownAddress() throws SocketException {
        for (String address : ipv4Addresses()) {
            if (contains(address)) {
                return address;
            }
        }
        return null;
    }

    boolean contains(String ipv4) {
        String[] parts = networkMask.split("/");
        int mask = maskBits(Integer.parseInt(parts[1]));
        return (toInt(parts[0]) & mask) == (toInt(ipv4) & mask);
    }

    private void requireFreePort(String where) {
        PortRange.parse("preflight", ports).freePort(0, where);
    }

    static void requireAeronSpace(String where, long needed) {
        try {
            long usable = Files.getFileStore(AERON_DIR_PARENT).getUsableSpace();
            if (usable < needed) {
                throw new InvalidConfigException(String.format(
                        "%s has %d MiB free in %s; Aeron needs about %d MiB for its term buffers (three of %d MiB per "
                                + "publication and per image). Enlarge %s (Docker: --shm-size) or lower -D%s",
                        where, usable >> 20, AERON_DIR_PARENT, needed >> 20, TERM_BUFFER_BYTES >> 20, AERON_DIR_PARENT,
                        "aeron.term.buffer.length"));
            }
        } catch (IOException e) {
            throw new IllegalStateException(where + " cannot read the free space of " + AERON_DIR_PARENT
                    + " for Aeron: " + e.getMessage(), e);
        }
    }

    /** The network part of an IPv4 address with this prefix length, as bits set. */
    private static int maskBits(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    private static int toInt(String ipv4) {
        String[] octets = ipv4.split("\\.");
        int value = 0;
        for (String octet : octets) {
            value = value << 8 | Integer.parseInt(octet);
        }
        return value;
    }

    private static String hostAddress(String host) {
        try {
            InetAddress address = InetAddress.getByName(host);
            if (!(address instanceof Inet4Address)) {
                throw new InvalidConfigException(ConfigSchema.CONTROLLER_ADDRESS.key() + " = " + host
                        + " resolves to " + address.getHostAddress() + "; DL4J's transport needs an IPv4 address");
            }
            return address.getHostAddress();
        } catch (UnknownHostException e) {
            throw new InvalidConfigException(ConfigSchema.CONTROLLER_ADDRESS.key() + " = " + host
                    + " does not resolve: " + e.getMessage(), e);
        }
    }

    private static InterfaceAddress ipv4Of(String interfaceName) {
        try {
            NetworkInterface nic = NetworkInterface.getByName(interfaceName);
            if (nic == null || !nic.isUp()) {
                throw new InvalidConfigException(ConfigSchema.NETWORK_INTERFACE.key() + " = " + interfaceName
                        + ": no such interface is up on the driver (up: " + interfaceNames() + ")");
            }
            return nic.getInterfaceAddresses().stream().filter(a -> a.getAddress() instanceof Inet4Address)
                    .findFirst().orElseThrow(() -> new InvalidConfigException(ConfigSchema.NETWORK_INTERFACE.key()
                            + " = " + interfaceName + " has no IPv4 address"));
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list network interfaces: " + e.getMessage(), e);
        }
    }

    /** The interface address of this machine that equals {@code address}; fails naming the key otherwise. */
    private static InterfaceAddress localInterfaceAddress(String address) {
        try {
            InetAddress inet = InetAddress.getByName(address);
            NetworkInterface nic = NetworkInterface.getByInetAddress(inet);
            if (nic != null) {
                for (InterfaceAddress a : nic.getInterfaceAddresses()) {
                    if (a.getAddress().equals(inet)) {
                        return a;
                    }
                }
            }
            throw new InvalidConfigException(ConfigSchema.CONTROLLER_ADDRESS.key() + " = " + address
                    + " is not an address of the driver's machine (its IPv4 addresses: " + ipv4Addresses() + ")");
        } catch (IOException e) {
            throw new InvalidConfigException(ConfigSchema.CONTROLLER_ADDRESS.key() + " = " + address + ": "
                    + e.getMessage(), e);
        }
    }

    private static String cidr(InterfaceAddress address) {
        int prefix = address.getNetworkPrefixLength();
        int network = toInt(address.getAddress().getHostAddress()) & maskBits(prefix);
        return (network >>> 24) + "." + (network >>> 16 & 255) + "." + (network >>> 8 & 255) + "." + (network & 255)
                + "/" + prefix;
    }

    static List<String> ipv4Addresses() throws SocketException {
        List<String> addresses = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                Collections.list(nic.getInetAddresses()).stream().filter(a -> a instanceof Inet4Address)
                        .forEach(a -> addresses.add(a.getHostAddress()));
            }
        }
        return addresses;
    }

    private static List<String> interfaceNames() throws SocketException {
        List<String> names = new ArrayList<>();
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp()) {
                names.add(nic.getName());
            }
        }
        return names;
    }

    private static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "an unnamed host";
        }
    }
}
