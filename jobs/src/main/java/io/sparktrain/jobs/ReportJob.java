package io.sparktrain.jobs;

import io.sparktrain.datasets.storage.Storage;
import io.sparktrain.trainer.config.CommandLine;
import io.sparktrain.trainer.config.CommandLine.Option;
import io.sparktrain.trainer.config.InvalidConfigException;
import io.sparktrain.trainer.report.ComparisonReport;
import io.sparktrain.trainer.report.RunRecord;
import io.sparktrain.trainer.report.RunReport;
import io.sparktrain.trainer.runs.RunDirectory;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Draws report pages of runs already on disk, on the driver alone: a run's own {@code report.html}
 * again (for a run trained before reports were drawn, or after a change to the page), or one page
 * comparing several runs.
 *
 * Exit codes: {@link ExitCode}.
 */
public final class ReportJob {
    static final String SYNOPSIS = """
            usage: report RUN [--out FILE] [--run-root DIR]
                   report RUN RUN... --out FILE [--run-root DIR]""";
    private static final Option OUT = Option.single("--out", "FILE",
            "where the page goes (path or URI), a new file; one run's page goes to its own\n"
                    + "report.html without it");
    private static final Logger log = LoggerFactory.getLogger(ReportJob.class);

    private ReportJob() {}

    /** The runs to draw (ids or directories) and where the page goes. */
    record Request(List<String> runs, Optional<String> out, String runRoot) {

        static Optional<Request> parse(String... args) {
            CommandLine line = CommandLine.parseWithOperands(SYNOPSIS, List.of(OUT, JobArguments.RUN_ROOT), args);
            if (line.has(CommandLine.HELP.name())) {
                System.out.print(line.usage());
                return Optional.empty();
            }
            if (line.operands().isEmpty()) {
                throw line.problem("name at least one run");
            }
            if (line.operands().size() > 1 && !line.has(OUT.name())) {
                throw line.problem("a comparison of " + line.operands().size() + " runs needs --out FILE");
            }
            return Optional.of(new Request(line.operands(), line.value(OUT.name()),
                    JobArguments.runRoot(line)));
        }
    }

    public static void main(String[] args) {
        System.exit(launch(args));
    }

    static int launch(String... args) {
        return JobLauncher.launch("draw the report", args, Request::parse, ReportJob::run);
    }

    /** Draws the page {@code request} asks for; returns where it went. */
    static URI run(Request request) throws IOException {
        Storage storage = JobArguments.storage();
        Optional<URI> out = request.out().map(Storage::toUri);
        if (out.isPresent() && storage.exists(out.get())) {
            throw new InvalidConfigException("--out " + request.out().get() + " already exists; name a new file, so "
                    + "that nothing is overwritten");
        }
        List<RunDirectory> runs = new ArrayList<>();
        for (String run : request.runs()) {
            runs.add(JobArguments.runNamed(storage, request.runRoot(), run, "run " + run));
        }
        // Every run is read before anything is written: a bad one leaves no page behind.
        List<RunRecord> records = new ArrayList<>();
        for (RunDirectory run : runs) {
            records.add(RunRecord.read(run));
        }
        URI page;
        if (out.isEmpty()) {
            RunReport.write(runs.get(0));
            page = runs.get(0).reportUri();
        } else {
            byte[] html = records.size() == 1 ? RunReport.page(records.get(0)) : ComparisonReport.page(records);
            storage.writeAtomically(out.get(), stream -> {
                stream.write(html);
                return null;
            });
            page = out.get();
        }
        log.info("Report of {}: {}", String.join(", ", request.runs()), Storage.display(page));
        return page;
    }
}
