package dev.sluice.redis;

import dev.sluice.ChannelSpec;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;

/**
 * Where a channel's stream is: {@code redis://[user:password@]host[:port]/stream} or
 * {@code rediss://} for TLS, with optional query parameters:
 * <ul>
 *   <li>{@code claimIdleMs}: how long an entry pending at a member must be idle before another
 *       member claims it (a crashed consumer's work); default 30 000;
 *   <li>{@code db}: the database number; default 0;
 *   <li>{@code deleteAcked}: delete an entry once acked while the stream has one group
 *       ({@code XDEL}), so that the stream holds only work still to do; default true. Set it to
 *       false when other applications read the stream with groups of their own that may appear
 *       at any time.
 *   <li>{@code payloadField}: the entry field that holds the payload when reading what other
 *       producers wrote ({@code p}, Sluice's own, by default); their other fields are headers.
 * </ul>
 */
record RedisEndpoint(HostAndPort hostAndPort, JedisClientConfig config, JedisClientConfig blockingConfig,
                     JedisClientConfig controlConfig, String stream, long claimIdleMs, boolean deleteAcked,
                     String payloadField) {

    /** Acks, claims and unblocks are quick: a broker that does not answer them in this time is stalled. */
    static final int CONTROL_TIMEOUT_MILLIS = 2_000;

    static RedisEndpoint of(ChannelSpec spec) {
        spec.requireKnownParameters(java.util.Set.of("claimIdleMs", "db", "deleteAcked", "payloadField"));
        if (!spec.nativeSettings().isEmpty()) {
            throw new IllegalArgumentException("native settings " + spec.nativeSettings().keySet() + " are not known to redis://:"
                    + " it takes none; its settings are URI parameters");
        }
        var uri = spec.uri();
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("uri (" + spec.redactedUri() + ") names no host; expected redis://host:6379/stream");
        }
        String stream = spec.destination().orElseThrow(() -> new IllegalArgumentException(
                "uri (" + spec.redactedUri() + ") names no stream; expected redis://host:6379/stream"));
        int port = uri.getPort() > 0 ? uri.getPort() : 6379;
        long claimIdle = spec.queryParameter("claimIdleMs").map(v -> parse("claimIdleMs", v, 1)).orElse(30_000L);
        int db = spec.queryParameter("db").map(v -> (int) parse("db", v, 0)).orElse(0);
        boolean deleteAcked = spec.queryParameter("deleteAcked").map(v -> switch (v) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("deleteAcked (" + v + ") must be true or false");
        }).orElse(true);
        String payloadField = spec.queryParameter("payloadField").orElse("p");
        if (payloadField.isBlank()) {
            throw new IllegalArgumentException("payloadField (\"" + payloadField + "\") must not be blank");
        }
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                // No protocol negotiation: Jedis warns on every connection when it tries, and streams
                // need nothing of RESP3.
                .autoNegotiateProtocol(false)
                .connectionTimeoutMillis(connectMillis)
                .socketTimeoutMillis((int) Math.max(2_000, Math.min(Integer.MAX_VALUE, spec.connectTimeout().toMillis())))
                .database(db)
                .ssl("rediss".equals(spec.scheme()))
                .clientName("sluice");
        String info = uri.getRawUserInfo();
        if (info != null && !info.isEmpty()) {
            int colon = info.indexOf(':');
            String user = colon < 0 ? null : decode(info.substring(0, colon));
            String password = decode(colon < 0 ? info : info.substring(colon + 1));
            if (user != null && !user.isEmpty()) {
                b.user(user);
            }
            b.password(password);
        }
        JedisClientConfig config = b.build();
        // Blocking reads wait up to the poll timeout on the server: the socket must wait longer.
        Duration poll = spec.consumer().pollTimeout();
        JedisClientConfig blocking = b.socketTimeoutMillis((int) Math.min(Integer.MAX_VALUE,
                poll.toMillis() + Math.max(2_000, spec.connectTimeout().toMillis()))).build();
        JedisClientConfig control = b.socketTimeoutMillis(CONTROL_TIMEOUT_MILLIS).build();
        return new RedisEndpoint(new HostAndPort(uri.getHost(), port), config, blocking, control, stream, claimIdle, deleteAcked,
                payloadField);
    }

    private static long parse(String name, String value, long min) {
        try {
            long v = Long.parseLong(value);
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(name + " (" + value + ") must be a whole number of at least " + min);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return hostAndPort + "/" + stream;
    }
}
