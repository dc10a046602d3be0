package io.sparktrain.trainer.sync.sharing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparktrain.trainer.config.ConfigLoader;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.config.TrainConfig;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.FixedThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingResult;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

class SharingUnitsTest {
    private static TrainConfig.Sharing sharing(String hocon) {
        return ConfigLoader.parse("sync.sharing { " + hocon + " }", "test", List.of()).sync().sharing();
    }

    @Test
    void everyJvmGetsAFreePortOfItsOwnAndKeepsIt() throws Exception {
        PortRange range = new PortRange(UUID.randomUUID().toString(), 47000, 47009);
        assertEquals(0, range.offsetFor("driver"));
        assertEquals(1, range.offsetFor("0"));
        assertEquals(4, range.offsetFor("3"));
        assertEquals(1, range.offsetFor("9"), "executor ids wrap within the ports after the driver's");
        // Not a Spark JVM here: the driver's search starts at the first port, which is taken.
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(47000))) {
            int port = range.getPort();
            assertNotEquals(47000, port);
            assertEquals(port, range.getPort(), "DL4J asks several times and must hear the same port");
        }
        assertEquals("47000-47009", PortRange.parse("s", "47000-47009").toString());
    }

    @Test
    void aWrongNetworkSettingFailsAtOnceNamingTheKey() {
        long start = System.nanoTime();
        InvalidConfigException notHere = assertThrows(InvalidConfigException.class, () -> SharingNetwork.resolve(
                sharing("controller-address = \"10.255.255.1\", network-mask = \"10.255.0.0/16\""), false, "x")
                .checkDriver(2));
        assertTrue(notHere.getMessage().contains("sync.sharing.controller-address = 10.255.255.1 is not an address"),
                notHere.getMessage());
        InvalidConfigException outside = assertThrows(InvalidConfigException.class,
                () -> SharingNetwork.resolve(sharing("network-mask = \"10.99.0.0/16\""), true, "x"));
        assertTrue(outside.getMessage().contains("outside sync.sharing.network-mask = 10.99.0.0/16"),
                outside.getMessage());
        InvalidConfigException noInterface = assertThrows(InvalidConfigException.class,
                () -> SharingNetwork.resolve(sharing("network-interface = nosuch0"), false, "x"));
        assertTrue(noInterface.getMessage().contains("sync.sharing.network-interface = nosuch0"),
                noInterface.getMessage());
        assertTrue((System.nanoTime() - start) / 1e9 < 10, "failed within seconds");
    }

    @Test
    void automaticSettingsUseLoopbackInLocalModeAndTheControllersNetworkElsewhere() {
        SharingNetwork local = SharingNetwork.resolve(sharing(""), true, "ignored");
        assertEquals(new SharingNetwork("127.0.0.1", "127.0.0.0/8", "49876-49899"), local);
        SharingNetwork loopbackCluster = SharingNetwork.resolve(sharing(""), false, "127.0.0.1");
        assertEquals("127.0.0.0/8", loopbackCluster.networkMask());
        assertTrue(loopbackCluster.contains("127.1.2.3"));
        assertTrue(!loopbackCluster.contains("10.0.0.1"));
    }

    @Test
    void configRefusesConflictingSharingSettings() {
        String oneKey = assertThrows(RuntimeException.class, () -> sharing("workers-per-node = 2")).getMessage();
        assertTrue(oneKey.contains("sync.sharing.workers-per-node = 2"), oneKey);
        String crossKeys = assertThrows(RuntimeException.class, () -> sharing("""
                network-mask = "10.0.0.0/8", network-interface = eth0, min-sparsity = 0.5, max-sparsity = 0.1,
                ports = "50000-40000"
                """)).getMessage();
        assertTrue(crossKeys.contains("set one of them, not both"), crossKeys);
        assertTrue(crossKeys.contains("sync.sharing.min-sparsity = 0.5 exceeds sync.sharing.max-sparsity = 0.1"),
                crossKeys);
        assertTrue(crossKeys.contains("sync.sharing.ports = 50000-40000"), crossKeys);
    }

    @Test
    void resultsCombineOnlyWhatTheTrainersReported() {
        MeteredThresholdAlgorithm algorithm = new MeteredThresholdAlgorithm("s", new FixedThresholdAlgorithm(1e-3));
        SharedTrainingResult trainerA = SharedTrainingResult.builder().aggregationsCount(1).scoreSum(2.0)
                .updaterStateArray(Nd4j.createFromArray(1f, 2f)).thresholdAlgorithm(algorithm)
                .minibatchesPerExecutor(Map.of("1", 5)).build();
        SharedTrainingResult feeder = SharedTrainingResult.builder().minibatchesPerExecutor(Map.of("1", 3)).build();
        SharedTrainingResult trainerB = SharedTrainingResult.builder().aggregationsCount(1).scoreSum(4.0)
                .updaterStateArray(Nd4j.createFromArray(3f, 4f)).minibatchesPerExecutor(Map.of("2", 8)).build();
        // DL4J's own aggregation zeroes the sums when it meets the feeder's empty result.
        SharingTrainingMaster.Sums left = SharingTrainingMaster.Sums.add(
                SharingTrainingMaster.Sums.add(new SharingTrainingMaster.Sums(), trainerA), feeder);
        SharingTrainingMaster.Sums sums = SharingTrainingMaster.Sums.merge(left,
                SharingTrainingMaster.Sums.add(new SharingTrainingMaster.Sums(), trainerB));
        assertEquals(2, sums.trainers);
        assertEquals(6.0, sums.scoreSum);
        assertEquals(Nd4j.createFromArray(4f, 6f), sums.updaterState);
        assertEquals(Map.of("1", 8, "2", 8), sums.minibatchesPerExecutor);
        assertTrue(sums.thresholdReducer.getFinalResult() instanceof MeteredThresholdAlgorithm);
    }

    @Test
    void encodingTotalsCountBytesOneStepLateAsDl4jReportsThem() {
        EncodingTotals t = EncodingTotals.NONE.plus(1e-3, null, null, 1600)
                .plus(1e-3, false, 0.01, 1600)
                .plus(2e-3, true, null, 1600);
        assertEquals(3, t.steps());
        assertEquals(2, t.outcomes());
        assertEquals(1, t.denseOutcomes());
        assertEquals(4 * 0.01 * 1600 + 4 * (100 + 5), t.bytes(), 1e-9);
        assertEquals(t, t.add(EncodingTotals.NONE));
        EncodingTotals last = t.minus(EncodingTotals.NONE.plus(1e-3, null, null, 1600).plus(1e-3, false, 0.01, 1600));
        assertEquals(1, last.steps());
        assertEquals(1, last.denseOutcomes());
        assertEquals(4 * (100 + 5), last.bytes(), 1e-9);
    }
}
