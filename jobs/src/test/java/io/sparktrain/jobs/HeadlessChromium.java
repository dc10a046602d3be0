package io.sparktrain.jobs;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's Chromium, headless, driven over the Chrome DevTools Protocol: opens a page, collects
 * every console error, uncaught exception and failed load, and takes a screenshot, as a person
 * opening the page would see it. Java's own WebSocket client speaks the protocol; no browser
 * driver or download is needed.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long TIMEOUT_SECONDS = 60;

    /** What a page showed: its screenshot, the size of its content, and every error it raised. */
    record Visit(byte[] screenshotPng, int contentWidth, int contentHeight, List<String> errors) {}

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> replies = new ConcurrentHashMap<>();
    private final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();

    /** Why Chromium cannot run here, or empty when it can. */
    static Optional<String> unavailable() {
        return Files.isExecutable(BINARY) ? Optional.empty()
                : Optional.of(BINARY + " is not installed (Debian's chromium package; .ci/run installs it)");
    }

    HeadlessChromium(Path profile) throws IOException {
        // The flags keep a headless Chromium off the network: this machine refuses outside connections.
        process = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--remote-allow-origins=*", "--remote-debugging-port=0",
                "--user-data-dir=" + profile, "about:blank").redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String endpoint = devtoolsEndpoint();
        socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(endpoint), new Listener())
                .orTimeout(TIMEOUT_SECONDS, TimeUnit.SECONDS).join();
    }

    /** Chromium prints its DevTools address on stderr once it listens; the rest of stderr is drained. */
    private String devtoolsEndpoint() throws IOException {
        BufferedReader stderr = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line = stderr.readLine(); line != null; line = stderr.readLine()) {
            Matcher m = DEVTOOLS.matcher(line);
            if (m.find()) {
                Thread drain = new Thread(() -> stderr.lines().forEach(ignored -> { }), "chromium-stderr");
                drain.setDaemon(true);
                drain.start();
                return m.group(1);
            }
            seen.add(line);
        }
        throw new IOException("Chromium exited without a DevTools address; its output:\n" + String.join("\n", seen));
    }

    /** Opens {@code page} in a new tab of {@code width} x {@code height} pixels and waits until it has loaded. */
    Visit visit(URI page, int width, int height) throws Exception {
        String target = call(null, "Target.createTarget", Map.of("url", "about:blank")).path("targetId").asText();
        String session = call(null, "Target.attachToTarget", Map.of("targetId", target, "flatten", true))
                .path("sessionId").asText();
        for (String domain : List.of("Runtime.enable", "Log.enable", "Page.enable", "Network.enable")) {
            call(session, domain, Map.of());
        }
        call(session, "Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                "deviceScaleFactor", 1, "mobile", false));
        events.clear();
        call(session, "Page.navigate", Map.of("url", page.toString()));
        List<String> errors = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        boolean loaded = false;
        while (!loaded) {
            JsonNode event = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new IOException("the page did not finish loading in " + TIMEOUT_SECONDS + " s: " + page);
            }
            error(event).ifPresent(errors::add);
            loaded = event.path("method").asText().equals("Page.loadEventFired");
        }
        JsonNode metrics = call(session, "Page.getLayoutMetrics", Map.of()).path("cssContentSize");
        byte[] png = Base64.getDecoder().decode(call(session, "Page.captureScreenshot", Map.of("format", "png"))
                .path("data").asText());
        // Whatever the page reported while it was drawn for the screenshot.
        for (JsonNode event = events.poll(); event != null; event = events.poll()) {
            error(event).ifPresent(errors::add);
        }
        return new Visit(png, metrics.path("width").asInt(), metrics.path("height").asInt(), errors);
    }

    /** The error an event reports, if it reports one. */
    private static Optional<String> error(JsonNode event) {
        JsonNode params = event.path("params");
        return switch (event.path("method").asText()) {
            case "Runtime.exceptionThrown" -> Optional.of("exception: " + params.path("exceptionDetails"));
            case "Runtime.consoleAPICalled" -> params.path("type").asText().equals("error")
                    ? Optional.of("console.error: " + params.path("args")) : Optional.empty();
            case "Log.entryAdded" -> params.path("entry").path("level").asText().equals("error")
                    ? Optional.of("log: " + params.path("entry").path("text").asText() + " "
                            + params.path("entry").path("url").asText()) : Optional.empty();
            case "Network.loadingFailed" -> Optional.of("failed load: " + params.path("errorText").asText());
            default -> Optional.empty();
        };
    }

    private JsonNode call(String session, String method, Map<String, Object> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (session != null) {
            message.put("sessionId", session);
        }
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        replies.put(id, reply);
        socket.sendText(JSON.writeValueAsString(message), true).join();
        JsonNode answer = reply.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (answer.has("error")) {
            throw new IOException(method + " failed: " + answer.get("error"));
        }
        return answer.path("result");
    }

    /** Whole messages from the socket: replies complete their call, anything else is an event. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode message = JSON.readTree(partial.toString());
                    CompletableFuture<JsonNode> reply = message.has("id")
                            ? replies.remove(message.get("id").asInt()) : null;
                    if (reply != null) {
                        reply.complete(message);
                    } else {
                        events.add(message);
                    }
                } catch (IOException e) {
                    events.add(JSON.createObjectNode().put("method", "Runtime.exceptionThrown")
                            .put("unreadable", partial.toString()));
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.abort();
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
