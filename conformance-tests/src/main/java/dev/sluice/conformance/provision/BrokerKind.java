package dev.sluice.conformance.provision;

import java.util.Locale;

/** The four brokers the kit can provision, with the environment variable that names an existing one. */
public enum BrokerKind {
    KAFKA("SLUICE_KAFKA_URI"),
    RABBITMQ("SLUICE_RABBITMQ_URI"),
    SQS("SLUICE_SQS_URI"),
    REDIS("SLUICE_REDIS_URI");

    private final String environmentVariable;

    BrokerKind(String environmentVariable) {
        this.environmentVariable = environmentVariable;
    }

    /** @return the variable whose value, when set, is the URI of a broker to use as it is */
    public String environmentVariable() {
        return environmentVariable;
    }

    /** @return the kind whose adapter opens URIs with {@code scheme}, if any */
    public static java.util.Optional<BrokerKind> ofScheme(String scheme) {
        if (scheme == null) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.ofNullable(switch (scheme.toLowerCase(Locale.ROOT)) {
            case "kafka" -> KAFKA;
            case "amqp", "amqps" -> RABBITMQ;
            case "sqs" -> SQS;
            case "redis", "rediss" -> REDIS;
            default -> null;
        });
    }

    /** @return the lower-case name used in {@code -Dsluice.brokers.required=kafka,redis} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
