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

    /** @return the lower-case name used in {@code -Dsluice.brokers.required=kafka,redis} */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
