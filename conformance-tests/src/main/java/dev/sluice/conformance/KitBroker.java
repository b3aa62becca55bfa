package dev.sluice.conformance;

import dev.sluice.BacklogLimit;
import dev.sluice.BackpressureChannel;
import dev.sluice.ChannelSpec;
import dev.sluice.Sluice;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What an adapter's run of the kit supplies: a broker to open channels on, a probe that reads
 * the broker's own figures, and the faults it can inject. Every method but the first three has
 * a default, so a subclass of {@link BrokerCompatibilityKit} stays small.
 */
public interface KitBroker {

    /** @return a short name for reports ({@code "redis"}) */
    String name();

    /**
     * @param destination a fresh name the kit made for one test
     * @return the URI of that destination on this broker
     */
    String uri(String destination);

    /**
     * The URI of a destination that {@code members} members of one group consume at the same
     * time. A broker whose parallelism is fixed per destination (Kafka partitions) makes room
     * for them; every other broker ignores the count.
     */
    default String uri(String destination, int members) {
        return uri(destination);
    }

    /**
     * The URI of a destination that a test consumes with the consumer groups {@code groups}
     * (perhaps only after it sent). A broker on which a message sent before a group exists
     * would be lost to it (a RabbitMQ exchange with a queue per group) names them in the URI so
     * that the channel declares them at open; every other broker ignores them.
     */
    default String uri(String destination, int members, java.util.List<String> groups) {
        return uri(destination, members);
    }

    /** @return reads figures from the broker itself */
    BrokerProbe probe();

    /**
     * @return a plain native client of this broker, for the foreign-traffic and poison families;
     *     empty when the broker has no wire format of its own (the in-memory broker)
     */
    default Optional<ForeignClient> foreign() {
        return Optional.empty();
    }

    /** @return the faults {@link #inject(Fault)} can cause on this broker */
    default Set<Fault> faults() {
        return Set.of();
    }

    /** @return why a fault this broker does not offer cannot be caused here, for the skip message */
    default String whyNot(Fault fault) {
        return name() + " offers no " + fault + " fault in this kit run";
    }

    /** Causes the fault; it lasts until {@link #heal(Fault)}. */
    default void inject(Fault fault) throws Exception {
        throw new UnsupportedOperationException(whyNot(fault));
    }

    /** Ends the fault and returns when the broker answers again. Called after every test, even for faults not injected. */
    default void heal(Fault fault) throws Exception {
    }

    /** @return a URI of this broker's kind where nothing answers, or empty when such a broker cannot be unreachable */
    default Optional<String> unreachableUri() {
        return Optional.empty();
    }

    /** @return the shortest maximum age the broker accepts for a backlog (SQS retention is at least 60 s) */
    default Duration shortestMaxAge() {
        return Duration.ofSeconds(1);
    }

    /**
     * @return why this broker cannot show messages expiring by age within the kit's patience, or
     *     empty when it can
     */
    default Optional<String> whyNoMaxAgeExpiry() {
        return Optional.empty();
    }

    /** @return the largest payload the broker accepts, for the too-large scenario; empty when it has no practical limit */
    default java.util.OptionalInt maxPayloadBytes() {
        return java.util.OptionalInt.empty();
    }

    /** @return why {@link #maxPayloadBytes()} is empty, for the too-large scenario's skip */
    default String whyNoPayloadLimit() {
        return name() + " has no payload limit a test can reach";
    }

    /**
     * @return true when, under {@link Fault#BROKER_PRESSURE}, the broker refuses sends (SQS
     *     throttling, Redis out of memory) rather than holding them unconfirmed until the alarm
     *     clears (a RabbitMQ alarm, a Kafka quota)
     */
    default boolean refusesSendsUnderPressure() {
        return false;
    }

    /**
     * @return true when another process (a JVM the kit starts) can open channels on this broker
     *     with {@link #uri(String)}: false for a broker that lives in this JVM's memory only
     */
    default boolean servesOtherProcesses() {
        return true;
    }

    /** @return true when a destination keeps settings (queue arguments) that a later open can conflict with */
    default boolean storesDestinationSettings() {
        return false;
    }

    /**
     * @return two backlog limits the broker keeps on a destination and that conflict, the
     *     first showing "10" and the second "20" in the broker's terms; by default a maximum
     *     length of 10 and one of 20 with reject-newest (queue arguments)
     */
    default List<BacklogLimit> conflictingLimits() {
        return List.of(BacklogLimit.maxLength(10), BacklogLimit.maxLength(20).rejectNewest());
    }

    /** @return the longest a scenario waits for the broker to show an effect */
    default Duration patience() {
        return Duration.ofSeconds(30);
    }

    /**
     * @return native settings a soak gives its consumer group members (in-process and in member
     *     processes) so that a member that dies is noticed within the broker's least timeout
     *     rather than the client's default; none by default
     */
    default java.util.Map<String, String> memberSettings() {
        return java.util.Map.of();
    }

    /** Opens a channel; the default finds the adapter by the URI's scheme. */
    default BackpressureChannel open(ChannelSpec spec) {
        return Sluice.open(spec);
    }

    /**
     * Makes sure nothing a test's closed channels sent is still on its way to the broker (bytes a
     * stall held). Called after each test, after its channels are closed and before its
     * destinations are deleted, so that a late send cannot recreate one.
     */
    default void settle() throws Exception {
    }

    /** Removes a destination the kit created, and its dead letter. Called after each test. */
    default void deleteDestination(String destination) throws Exception {
    }

    /**
     * Removes a consumer group the kit used, on brokers where groups outlive destinations (Kafka
     * keeps a group's committed offsets). Called after each test, after its destinations are
     * gone; a group that never existed is no error.
     */
    default void deleteGroup(String group) throws Exception {
    }
}
