package dev.sluice.spring.boot.web;

import dev.sluice.BackpressureChannel;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.util.AntPathMatcher;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UrlPathHelper;

/**
 * Sheds load at the door: a request whose path matches a channel's {@code http.paths} is answered
 * {@code 429 Too Many Requests} with {@code Retry-After} (whole seconds, rounded up, at least 1)
 * while that channel refuses now, that is while {@link BackpressureChannel#retryAfter()} is
 * present (rate limiter empty, producer buffer full, broker blocked). Other requests, and every
 * request while the channel accepts, pass untouched. Patterns are Ant-style ({@code /orders},
 * {@code /orders/**}) against the path within the application.
 */
public class BackpressureFilter extends OncePerRequestFilter {

    /** One channel and the paths it guards. */
    public record Guard(String channelName, BackpressureChannel channel, List<String> paths) {
        public Guard {
            Objects.requireNonNull(channelName, "channelName");
            Objects.requireNonNull(channel, "channel");
            paths = List.copyOf(paths);
        }
    }

    private final List<Guard> guards;
    private final AntPathMatcher matcher = new AntPathMatcher();
    private final UrlPathHelper paths = new UrlPathHelper();

    public BackpressureFilter(List<Guard> guards) {
        this.guards = List.copyOf(guards);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = paths.getPathWithinApplication(request);
        for (Guard guard : guards) {
            if (matches(guard, path)) {
                Optional<Duration> retry = guard.channel().retryAfter();
                if (retry.isPresent()) {
                    refuse(response, guard.channelName(), retry.get());
                    return;
                }
            }
        }
        chain.doFilter(request, response);
    }

    private boolean matches(Guard guard, String path) {
        for (String pattern : guard.paths()) {
            if (matcher.match(pattern, path)) {
                return true;
            }
        }
        return false;
    }

    private static void refuse(HttpServletResponse response, String channelName, Duration retry) throws IOException {
        long seconds = Math.max(1, (retry.toMillis() + 999) / 1000);
        response.setStatus(429);
        response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        response.setContentType("application/json");
        response.setCharacterEncoding("UTF-8");
        Map<String, Object> body = TooManyRequests.body(channelName, "REFUSED", seconds);
        response.getWriter().write("{\"status\":429,\"error\":\"Too Many Requests\",\"channel\":\""
                + channelName.replace("\\", "\\\\").replace("\"", "\\\"") + "\",\"reason\":\"" + body.get("reason")
                + "\",\"retryAfterSeconds\":" + seconds + "}");
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return true;
    }
}
