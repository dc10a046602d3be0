package io.sparktrain.trainer.gpu;

import io.sparktrain.datasets.spark.SparkJobs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Checks, before any kernel runs, that a GPU can execute the ND4J CUDA build this project uses.
 * ND4J 1.0.0-M2.1 for CUDA 11.6 contains machine code for sm_37 to sm_86 and no PTX, so nothing
 * can be compiled for a newer architecture at run time. A cubin runs on GPUs of the same major
 * compute capability and an equal or higher minor one: 3.7, and 5.0 to 8.9, are covered; Hopper
 * (9.0) and later are not, and would fail with a kernel error deep inside training.
 */
public final class GpuPreflight {
    static final String NVIDIA_SMI_ENV = "SPARKTRAIN_NVIDIA_SMI";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final String nvidiaSmi;
    private final Duration timeout;

    /**
     * Checks, in one task per slot, the GPUs Spark assigned to the tasks; a failure stops the job
     * with the GPU and the reason, after Spark's usual task retries.
     */
    public static void runOnExecutors(JavaSparkContext sc) {
        int slots = sc.defaultParallelism();
        try {
            SparkJobs.named(sc, "preflight", "GPU check", () -> {
                sc.parallelize(IntStream.range(0, slots).boxed().toList(), slots).foreach(slot -> {
                    ResourceInformation gpu = TaskContext.get().resourcesJMap().get("gpu");
                    if (gpu != null) {
                        new GpuPreflight(System.getenv().getOrDefault(NVIDIA_SMI_ENV, "nvidia-smi"))
                                .check(Arrays.asList(gpu.addresses()));
                    }
                });
                return null;
            });
        } catch (Exception e) { // a SparkException, checked but undeclared since Spark throws it from Scala
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new IllegalStateException("GPU preflight failed: " + cause.getMessage(), e);
        }
    }

    /** @param nvidiaSmi the nvidia-smi command (a path in tests, to a stand-in) */
    public GpuPreflight(String nvidiaSmi) {
        this(nvidiaSmi, TIMEOUT);
    }

    GpuPreflight(String nvidiaSmi, Duration timeout) {
        this.nvidiaSmi = nvidiaSmi;
        this.timeout = timeout;
    }

    /** One GPU as nvidia-smi reports it. */
    public record Gpu(String index, String name, int major, int minor) {
        public boolean supported() {
            return (major == 3 && minor >= 7) || (major >= 5 && major <= 8);
        }

        String capability() {
            return major + "." + minor;
        }
    }

    /** The GPUs nvidia-smi sees, with their compute capabilities. */
    public List<Gpu> gpus() throws IOException {
        List<String> command = List.of(nvidiaSmi, "--query-gpu=index,name,compute_cap", "--format=csv,noheader");
        // Its output goes to a file, not a pipe: reading a pipe to its end would wait for a hung
        // nvidia-smi forever, before the timeout could fire.
        Path outputFile = Files.createTempFile("nvidia-smi", ".txt");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outputFile.toFile())
                        .start();
            } catch (IOException e) {
                throw new IOException("cannot run '" + nvidiaSmi + "' to check the GPU: " + e.getMessage()
                        + "; install the NVIDIA driver on this node or set SPARKTRAIN_NVIDIA_SMI", e);
            }
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    throw new IOException("'" + String.join(" ", command) + "' did not answer in "
                            + timeout.toSeconds() + " s; check the NVIDIA driver on this node");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running nvidia-smi", e);
            }
            String output = Files.readString(outputFile, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException("'" + String.join(" ", command) + "' failed (exit " + process.exitValue()
                        + "): " + output.strip() + " (compute_cap needs an NVIDIA driver of version 510 or later)");
            }
            return parse(output);
        } finally {
            Files.deleteIfExists(outputFile);
        }
    }

    static List<Gpu> parse(String csv) throws IOException {
        List<Gpu> gpus = new ArrayList<>();
        for (String line : csv.strip().split("\n")) {
            String[] fields = line.split(",");
            String[] capability = fields.length == 3 ? fields[2].strip().split("\\.") : new String[0];
            if (capability.length != 2) {
                throw new IOException("unexpected nvidia-smi line '" + line + "': expected index, name, compute_cap");
            }
            try {
                gpus.add(new Gpu(fields[0].strip(), fields[1].strip(), Integer.parseInt(capability[0]),
                        Integer.parseInt(capability[1])));
            } catch (NumberFormatException e) {
                throw new IOException("unexpected compute capability in nvidia-smi line '" + line + "'", e);
            }
        }
        return gpus;
    }

    /**
     * Fails, naming the GPU, its architecture and what is supported, unless every GPU in
     * {@code addresses} exists and can run the ND4J CUDA build.
     */
    public void check(List<String> addresses) throws IOException {
        List<Gpu> gpus = gpus();
        List<String> problems = new ArrayList<>();
        for (String address : addresses) {
            Gpu gpu = gpus.stream().filter(g -> g.index().equals(address)).findFirst().orElse(null);
            if (gpu == null) {
                problems.add("GPU " + address + " was assigned by Spark but nvidia-smi lists only "
                        + gpus.stream().map(Gpu::index).toList());
            } else if (!gpu.supported()) {
                problems.add("GPU " + address + " (" + gpu.name() + ") has compute capability " + gpu.capability()
                        + "; ND4J 1.0.0-M2.1 for CUDA 11.6 contains kernels for sm_37 to sm_86 and no PTX, so it"
                        + " runs on compute capability 3.7 and 5.0 to 8.9 only. Use such GPUs or the CPU backend.");
            }
        }
        if (!problems.isEmpty()) {
            throw new IOException(String.join("\n", problems));
        }
    }
}
