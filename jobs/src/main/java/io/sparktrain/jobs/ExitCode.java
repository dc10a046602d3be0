package io.sparktrain.jobs;

/**
 * Every exit code a job or a {@code submit/} script returns; the README's table is kept equal to
 * this list by a test.
 */
public enum ExitCode {
    OK(0, "done"),
    FAILED(1, "failed unexpectedly (a defect, or a failure of Spark, the cluster or the file system); the log holds "
            + "the stack trace"),
    BAD_CONFIG(2, "bad command line or config, named in the message; nothing was written"),
    BAD_DATA(3, "bad data, shards, run directory or checkpoint, named in the message; no run directory was created "
            + "for a run that could not start"),
    DIVERGED(4, "training diverged: a loss that is not finite; the epoch and batch are in the message and in "
            + "metrics.jsonl, earlier checkpoints are kept"),
    CHECK_FAILED(5, "`submit/reproduce`: a check missed its tolerance (see the report)"),
    BUILD_FAILED(6, "a `submit/` script could not build the job jar, or found no `java` or `mvn` to build it with; "
            + "the end of the build's log follows"),
    CLUSTER_REFUSED(7, "the cluster never admitted the job: its master cannot be reached, or it authenticates and "
            + "the job has no or another secret (`spark.secret-file`); nothing was written"),
    LOCKED(8, "another job holds the model's lock in the registry (the message names it and when its lease "
            + "expires); nothing was done: retry later"),
    NOT_PROMOTED(9, "`submit/retrain`: the challenger did not pass its gates, or the snapshot was trained on "
            + "before; the champion is unchanged and the decision is in the registry's history.jsonl (a normal "
            + "outcome, not a failure)");

    private final int code;
    private final String meaning;

    ExitCode(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    /** The README's table of exit codes. */
    static String markdownTable() {
        StringBuilder table = new StringBuilder("| code | meaning |\n|---|---|\n");
        for (ExitCode exit : values()) {
            table.append("| `").append(exit.code).append("` | ").append(exit.meaning).append(" |\n");
        }
        return table.toString();
    }
}
