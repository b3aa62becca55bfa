package dev.sluice.conformance.proxy;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * An HTTP/1.1 relay on loopback in front of a server that speaks the AWS JSON protocol (the kit's
 * SQS), which the kit tells to answer chosen requests itself: while an {@link Answer} is set for
 * an operation, a request whose {@code X-Amz-Target} header names it ({@code AmazonSQS.SendMessageBatch})
 * gets that answer — a {@link Answer#throttling() ThrottlingException} as SQS sends it, a
 * {@link Answer#serviceUnavailable() 503}, or the server's own answer after a
 * {@link Answer#delay(Duration) delay} — and every other request is relayed unchanged.
 *
 * <p>Each client connection gets its own connection to the server, so a client that goes away
 * takes its server connection with it, as through a plain TCP proxy. Requests are framed by
 * {@code Content-Length} or chunked encoding and relayed byte for byte; responses are relayed
 * without being read. An answered request's body is read and discarded. A relayed request goes
 * to the server in one write, and every socket has Nagle's algorithm off: a request whose head
 * and body came in two writes (as the JDK's {@code HttpURLConnection} sends them) is never held
 * back waiting for the server's delayed ACK. Clients must not
 * pipeline (no AWS SDK HTTP client does): an answer is written as soon as its request is read.
 * Requests of the older query protocol carry no {@code X-Amz-Target} and are always relayed.
 *
 * <p>It listens on 127.0.0.1 only. Each connection takes two daemon threads that end with it.
 * Thread-safe; {@link #close()} ends everything.
 */
public final class HttpFaultProxy implements AutoCloseable {

    /** The longest request head (request line and headers) relayed; a longer one closes the connection. */
    private static final int MAX_HEAD_BYTES = 64 * 1024;

    private final String targetHost;
    private final int targetPort;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final Map<String, Answer> answers = new ConcurrentHashMap<>();
    private final AtomicLong answered = new AtomicLong();
    private volatile boolean closed;

    private HttpFaultProxy(String targetHost, int targetPort) throws IOException {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        this.server = new ServerSocket();
        this.server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.acceptor = new Thread(this::acceptLoop, "http-fault-proxy-" + targetPort);
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /**
     * Starts a relay on a free loopback port in front of the HTTP server at
     * {@code targetHost:targetPort}.
     *
     * @throws IOException if no port can be bound
     */
    public static HttpFaultProxy start(String targetHost, int targetPort) throws IOException {
        Objects.requireNonNull(targetHost, "targetHost");
        if (targetPort < 1 || targetPort > 65_535) {
            throw new IllegalArgumentException("targetPort (" + targetPort + ") must be between 1 and 65535");
        }
        return new HttpFaultProxy(targetHost, targetPort);
    }

    /** @return the host clients connect to: always 127.0.0.1 */
    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    /** @return the port clients connect to */
    public int port() {
        return server.getLocalPort();
    }

    /**
     * From now on, answers every request for {@code operation} with {@code answer}, until
     * {@link #relayAll()}; replaces any answer set for it before.
     *
     * @param operation an {@code X-Amz-Target} value, {@code AmazonSQS.SendMessageBatch} say
     */
    public void answer(String operation, Answer answer) {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(answer, "answer");
        if (operation.isBlank() || operation.indexOf('.') < 1) {
            throw new IllegalArgumentException("operation (" + operation + ") must be an X-Amz-Target value such as"
                    + " AmazonSQS.SendMessageBatch");
        }
        answers.put(operation, answer);
    }

    /** Relays every request again. */
    public void relayAll() {
        answers.clear();
    }

    /** @return how many requests got an error {@link Answer} instead of the server's (delays not counted) */
    public long answered() {
        return answered.get();
    }

    /** @return connections open through the relay now */
    public int openConnections() {
        return links.size();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            try {
                Socket upstream = new Socket();
                upstream.connect(new InetSocketAddress(targetHost, targetPort), 5_000);
                Link link = new Link(client, upstream);
                links.add(link);
                link.start();
            } catch (IOException e) {
                closeQuietly(client); // the server is down: the client sees the connection close
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Link link : links) {
            link.close();
        }
        try {
            acceptor.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing is all we wanted
        }
    }

    @Override
    public String toString() {
        return "HttpFaultProxy[127.0.0.1:" + port() + " -> " + targetHost + ":" + targetPort + ", answering " + answers.keySet() + "]";
    }

    /**
     * What a request gets instead of being relayed at once: an error response of the AWS JSON
     * protocol (status, {@code __type} in the body, and the {@code x-amzn-query-error} header by
     * which the SDK of a query-compatible service such as SQS reports the error code), or the
     * server's own answer after a delay.
     */
    public static final class Answer {
        private final int status;
        private final String reason;
        private final String type;
        private final String queryError;
        private final String message;
        private final long delayNanos;

        private Answer(int status, String reason, String type, String queryError, String message, long delayNanos) {
            this.status = status;
            this.reason = reason;
            this.type = type;
            this.queryError = queryError;
            this.message = message;
            this.delayNanos = delayNanos;
        }

        /**
         * @return SQS throttling, as SQS sends it: HTTP 400, body {@code __type}
         *     {@code ThrottlingException}, header {@code x-amzn-query-error: ThrottlingException;Sender};
         *     the AWS SDK v2 reports error code {@code ThrottlingException} and retries it as throttling
         */
        public static Answer throttling() {
            return new Answer(400, "Bad Request", "com.amazon.coral.availability#ThrottlingException",
                    "ThrottlingException;Sender", "Rate exceeded", 0);
        }

        /** @return HTTP 503 with error code {@code ServiceUnavailable}, a server-side error the SDK retries */
        public static Answer serviceUnavailable() {
            return new Answer(503, "Service Unavailable", "com.amazon.coral.service#ServiceUnavailableException",
                    "ServiceUnavailable;Receiver", "Service Unavailable", 0);
        }

        /** @return the server's own answer, relayed after holding the request for {@code delay} */
        public static Answer delay(Duration delay) {
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay (" + delay + ") must not be negative");
            }
            return new Answer(0, null, null, null, null, delay.toNanos());
        }

        boolean relays() {
            return status == 0;
        }

        byte[] response() {
            String body = "{\"__type\":\"" + type + "\",\"message\":\"" + message + "\"}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            String head = "HTTP/1.1 " + status + " " + reason + "\r\n"
                    + "x-amzn-RequestId: " + UUID.randomUUID() + "\r\n"
                    + "x-amzn-query-error: " + queryError + "\r\n"
                    + "Content-Type: application/x-amz-json-1.0\r\n"
                    + "Content-Length: " + bytes.length + "\r\n"
                    + "\r\n";
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(bytes);
            return out.toByteArray();
        }

        @Override
        public String toString() {
            return relays() ? "delay " + Duration.ofNanos(delayNanos) : status + " " + queryError.substring(0, queryError.indexOf(';'));
        }
    }

    /** A request's head as read: its bytes, to relay as they came, and the headers that matter here. */
    private record Head(byte[] raw, String target, long contentLength, boolean chunked, boolean close,
                        boolean expectsContinue) {
    }

    /** One client connection and its own connection to the server. */
    private final class Link {
        private final Socket client;
        private final Socket upstream;
        /** Guards writes to the client: relayed responses and the relay's own answers. */
        private final Object clientWrites = new Object();

        Link(Socket client, Socket upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        void start() throws IOException {
            // Without this a body written after its head waits up to 40 ms for the peer's delayed ACK.
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
            InputStream fromClient = new BufferedInputStream(client.getInputStream());
            OutputStream toClient = client.getOutputStream();
            OutputStream toServer = new BufferedOutputStream(upstream.getOutputStream(), 16 * 1024); // head and body in one write
            InputStream fromServer = upstream.getInputStream();
            thread("up", () -> relayRequests(fromClient, toServer, toClient));
            thread("down", () -> relayResponses(fromServer, toClient));
        }

        private void thread(String direction, Runnable body) {
            Thread t = new Thread(() -> {
                try {
                    body.run();
                } finally {
                    close();
                }
            }, "http-fault-proxy-" + targetPort + "-" + direction);
            t.setDaemon(true);
            t.start();
        }

        private void relayRequests(InputStream in, OutputStream toServer, OutputStream toClient) {
            try {
                Head head;
                while ((head = readHead(in)) != null) {
                    Answer answer = head.target() == null ? null : answers.get(head.target());
                    if (answer != null && !answer.relays()) {
                        if (!head.expectsContinue()) {
                            copyBody(in, OutputStream.nullOutputStream(), head);
                        }
                        answered.incrementAndGet();
                        synchronized (clientWrites) {
                            toClient.write(answer.response());
                            toClient.flush();
                        }
                        if (head.close() || head.expectsContinue()) {
                            return; // a body never asked for would follow: end the connection, as servers do
                        }
                        continue;
                    }
                    if (answer != null) { // a delay: the injected latency itself
                        long until = System.nanoTime() + answer.delayNanos;
                        for (long left = answer.delayNanos; left > 0; left = until - System.nanoTime()) {
                            LockSupport.parkNanos(left);
                        }
                    }
                    toServer.write(head.raw());
                    copyBody(in, toServer, head);
                    toServer.flush();
                }
            } catch (IOException e) {
                // the connection ended, was cut, or sent something that is not HTTP/1.1
            }
        }

        private void relayResponses(InputStream in, OutputStream toClient) {
            byte[] buffer = new byte[16 * 1024];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    synchronized (clientWrites) {
                        toClient.write(buffer, 0, n);
                        toClient.flush();
                    }
                }
            } catch (IOException e) {
                // the connection ended, or was cut
            }
        }

        void close() {
            if (links.remove(this)) {
                closeQuietly(client);
                closeQuietly(upstream);
            }
        }
    }

    /** @return the next request's head, or null when the client closed the connection between requests */
    private static Head readHead(InputStream in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(512);
        String target = null;
        long contentLength = 0;
        boolean chunked = false;
        boolean close = false;
        boolean expectsContinue = false;
        boolean first = true;
        while (true) {
            byte[] line = readLine(in, MAX_HEAD_BYTES - raw.size());
            if (line == null) {
                if (raw.size() == 0) {
                    return null;
                }
                throw new EOFException("the connection ended inside a request head");
            }
            raw.writeBytes(line);
            String text = new String(line, StandardCharsets.ISO_8859_1).strip();
            if (first) {
                first = false;
                if (text.isEmpty()) {
                    raw.reset(); // a stray empty line between requests, which HTTP/1.1 allows
                    first = true;
                }
                continue;
            }
            if (text.isEmpty()) {
                return new Head(raw.toByteArray(), target, contentLength, chunked, close, expectsContinue);
            }
            int colon = text.indexOf(':');
            if (colon < 1) {
                throw new IOException("not an HTTP header line: " + text);
            }
            String name = text.substring(0, colon).strip().toLowerCase(Locale.ROOT);
            String value = text.substring(colon + 1).strip();
            switch (name) {
                case "x-amz-target" -> target = value;
                case "content-length" -> contentLength = parseLength(value, 10);
                case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "connection" -> close = value.toLowerCase(Locale.ROOT).contains("close");
                case "expect" -> expectsContinue = value.equalsIgnoreCase("100-continue");
                default -> { }
            }
        }
    }

    /** Copies a request body, framed as its head says, to {@code out}. */
    private static void copyBody(InputStream in, OutputStream out, Head head) throws IOException {
        if (!head.chunked()) {
            copyExactly(in, out, head.contentLength());
            return;
        }
        while (true) {
            byte[] sizeLine = readLine(in, MAX_HEAD_BYTES);
            if (sizeLine == null) {
                throw new EOFException("the connection ended inside a chunked body");
            }
            out.write(sizeLine);
            String size = new String(sizeLine, StandardCharsets.ISO_8859_1).strip();
            int extension = size.indexOf(';');
            long n = parseLength(extension < 0 ? size : size.substring(0, extension).strip(), 16);
            if (n == 0) {
                byte[] trailer;
                do { // trailers, up to the empty line
                    trailer = readLine(in, MAX_HEAD_BYTES);
                    if (trailer == null) {
                        throw new EOFException("the connection ended inside a chunked body's trailer");
                    }
                    out.write(trailer);
                } while (new String(trailer, StandardCharsets.ISO_8859_1).strip().length() > 0);
                return;
            }
            copyExactly(in, out, n + 2); // the chunk and its CRLF
        }
    }

    private static long parseLength(String text, int radix) throws IOException {
        try {
            long n = Long.parseLong(text, radix);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IOException("not a body length: " + text);
    }

    private static void copyExactly(InputStream in, OutputStream out, long n) throws IOException {
        byte[] buffer = new byte[(int) Math.min(16 * 1024, Math.max(1, n))];
        long left = n;
        while (left > 0) {
            int read = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (read < 0) {
                throw new EOFException("the connection ended " + left + " bytes before the end of a request body");
            }
            out.write(buffer, 0, read);
            left -= read;
        }
    }

    /** @return one line with its line end, or null at the end of the stream before any byte */
    private static byte[] readLine(InputStream in, int max) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        int b;
        while ((b = in.read()) >= 0) {
            line.write(b);
            if (b == '\n') {
                return line.toByteArray();
            }
            if (line.size() >= max) {
                throw new IOException("a request head longer than " + MAX_HEAD_BYTES + " bytes");
            }
        }
        if (line.size() == 0) {
            return null;
        }
        throw new EOFException("the connection ended inside a line");
    }
}
