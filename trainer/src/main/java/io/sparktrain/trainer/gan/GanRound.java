package io.sparktrain.trainer.gan;

import io.sparktrain.trainer.loop.EpochRound;
import io.sparktrain.trainer.sync.RoundPlace;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How a GAN's round trains both networks on a round's real shards under one synchronization
 * strategy: two Spark jobs a round under parameter averaging ({@link AveragingGanRound}), one
 * barrier stage that alternates at every step under allreduce and gradient sharing
 * ({@link RingGanRound}).
 */
interface GanRound {
    /** Real minibatches, over all workers, that one round trains on. */
    int batchesPerRound();

    /** The driver's networks, as the last round left them. */
    GanNetworks networks();

    /** Trains the round {@code next} at {@code place}; returns the discriminator's and the generator's loss. */
    Losses fit(EpochRound next, RoundPlace place);

    /**
     * Bytes each worker sent per real minibatch (its discriminator's two fits and its share of a
     * generator fit) since the last call: measured on the ring, computed for parameter averaging.
     */
    double takeBytesPerStep();

    record Losses(double discriminator, double generator) {}

    /**
     * A minibatch of held-out real images and of noise on which the lecture's discriminator loss,
     * -[log D(x) + log(1 - D(G(z)))], is measured on the driver: each side in a minibatch of its
     * own and in training mode, as the discriminator trains. DL4J reports only each worker's last
     * fit, and that is a fake minibatch alone.
     */
    record LossProbe(INDArray images, INDArray noise) {
        double loss(ComputationGraph discriminator, ComputationGraph generator) {
            INDArray fakes = GanImages.flatten(generator.outputSingle(true, noise));
            long rows = images.size(0);
            return discriminator.score(new DataSet(images, Nd4j.ones(DataType.FLOAT, rows, 1)), true)
                    + discriminator.score(new DataSet(fakes, Nd4j.zeros(DataType.FLOAT, rows, 1)), true);
        }
    }
}
