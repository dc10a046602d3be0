package io.sparktrain.trainer.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparktrain.datasets.storage.Storage;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;

/**
 * A model's lock: a lease file that names its holder and when it expires, created only if absent
 * ({@link Storage#createExclusively}), so of two jobs that start at once exactly one holds it, and
 * neither relies on the scheduler to keep them apart. A lease that has expired (its holder died)
 * is taken over by whoever first creates the takeover marker named after that lease's token: two
 * jobs that find the same expired lease cannot both take it. Markers are kept as the record of
 * takeovers. The holder renews the lease while it works and deletes it when done.
 */
public final class Lease implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What a lease file holds. */
    public record Holder(String token, String owner, String host, String runId, String acquired, String expires) {
        boolean expiredAt(Instant now) {
            return Instant.parse(expires).isBefore(now);
        }
    }

    private final Storage storage;
    private final URI file;
    private final Clock clock;
    private final Duration ttl;
    private Holder holder;

    private Lease(Storage storage, URI file, Clock clock, Duration ttl, Holder holder) {
        this.storage = storage;
        this.file = file;
        this.clock = clock;
        this.ttl = ttl;
        this.holder = holder;
    }

    /**
     * Takes the lease in {@code file} for {@code ttl}, taking over an expired one; throws
     * {@link LockedException} naming the holder when another job holds it.
     */
    public static Lease acquire(Storage storage, URI file, String owner, String runId, Duration ttl, Clock clock)
            throws IOException {
        String host = InetAddress.getLocalHost().getHostName();
        for (int attempt = 0; attempt < 3; attempt++) {
            Instant now = clock.instant();
            Holder mine = new Holder(UUID.randomUUID().toString(), owner, host, runId, now.toString(),
                    now.plus(ttl).toString());
            if (storage.createExclusively(file, JSON.writeValueAsString(mine) + "\n")) {
                return new Lease(storage, file, clock, ttl, mine);
            }
            Optional<Holder> current = read(storage, file);
            if (current.isEmpty()) {
                continue; // released between our create and our read
            }
            if (!current.get().expiredAt(now)) {
                throw new LockedException(Storage.display(file), current.get());
            }
            URI marker = URI.create(file + ".takeover-" + current.get().token());
            if (!storage.createExclusively(marker, JSON.writeValueAsString(mine) + "\n")) {
                throw new LockedException(Storage.display(file), current.get());
            }
            // Only this job can remove this expired lease: no other can create its marker.
            storage.delete(file);
        }
        throw new LockedException(Storage.display(file), read(storage, file).orElse(null));
    }

    /** The lease in {@code file}, if there is one. */
    public static Optional<Holder> read(Storage storage, URI file) throws IOException {
        try {
            return Optional.of(JSON.readValue(storage.readString(file), Holder.class));
        } catch (FileNotFoundException e) {
            return Optional.empty();
        }
    }

    /** Extends the lease by its time to live from now; fails if it is no longer this job's. */
    public synchronized void renew() throws IOException {
        requireStillMine();
        Instant now = clock.instant();
        Holder renewed = new Holder(holder.token(), holder.owner(), holder.host(), holder.runId(),
                holder.acquired(), now.plus(ttl).toString());
        storage.writeStringAtomically(file, JSON.writeValueAsString(renewed) + "\n");
        holder = renewed;
    }

    private void requireStillMine() throws IOException {
        Optional<Holder> current = read(storage, file);
        if (current.isEmpty() || !current.get().token().equals(holder.token())) {
            throw new IOException(Storage.display(file) + " is no longer this job's lease: it expired and "
                    + "another job took it over");
        }
    }

    /** Releases the lease if it is still this job's and unexpired; an expired one is left for a takeover. */
    @Override
    public synchronized void close() throws IOException {
        Optional<Holder> current = read(storage, file);
        if (current.isPresent() && current.get().token().equals(holder.token())
                && !current.get().expiredAt(clock.instant())) {
            storage.delete(file);
        }
    }
}
