package io.sparktrain.datasets;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Hex digests of files and streams. */
public final class Checksums {
    private Checksums() {}

    public static String md5(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return digest(in, "MD5");
        }
    }

    /** Reads {@code in} to its end and returns its SHA-256. */
    public static String sha256(InputStream in) throws IOException {
        return digest(in, "SHA-256");
    }

    private static String digest(InputStream in, String algorithm) throws IOException {
        DigestInputStream digesting = new DigestInputStream(in, messageDigest(algorithm));
        digesting.transferTo(OutputStream.nullOutputStream());
        return HexFormat.of().formatHex(digesting.getMessageDigest().digest());
    }

    /** A fresh SHA-256 digest, for content hashed while it is written. */
    public static MessageDigest sha256Digest() {
        return messageDigest("SHA-256");
    }

    private static MessageDigest messageDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime provides " + algorithm, e);
        }
    }
}
