package dev.sluice;

import java.util.Set;

/** No installed adapter handles the URI's scheme. The message lists the schemes that are installed. */
public class UnsupportedSchemeException extends IllegalArgumentException {

    private final String scheme;
    private final Set<String> installed;

    public UnsupportedSchemeException(String scheme, Set<String> installed, String detail) {
        super("no adapter for scheme '" + scheme + "'; installed schemes: "
                + (installed.isEmpty() ? "none" : String.join(", ", installed))
                + (installed.isEmpty() ? " (put an adapter jar such as sluice-kafka on the classpath)" : "")
                + (detail.isEmpty() ? "" : "; " + detail));
        this.scheme = scheme;
        this.installed = Set.copyOf(installed);
    }

    public String scheme() {
        return scheme;
    }

    public Set<String> installed() {
        return installed;
    }
}
