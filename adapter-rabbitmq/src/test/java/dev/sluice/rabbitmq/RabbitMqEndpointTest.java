package dev.sluice.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sluice.BacklogLimit;
import dev.sluice.ChannelSpec;
import dev.sluice.Sluice;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class RabbitMqEndpointTest {

    @Test
    @DisplayName("reads the vhost and the queue from the path, %2F being the default vhost")
    void parsesUri() {
        RabbitMqEndpoint e = RabbitMqEndpoint.of(ChannelSpec.of("amqp://app:pw@mq.local:5673/%2F/orders"));
        assertThat(e.vhost()).isEqualTo("/");
        assertThat(e.destination()).isEqualTo("orders");
        assertThat(e.brokerUri().toString()).isEqualTo("amqp://app:pw@mq.local:5673/%2F");
        RabbitMqEndpoint shop = RabbitMqEndpoint.of(ChannelSpec.of("amqps://mq.local/shop/invoices"));
        assertThat(shop.vhost()).isEqualTo("shop");
        assertThat(shop.destination()).isEqualTo("invoices");
        RabbitMqEndpoint plain = RabbitMqEndpoint.of(ChannelSpec.of("amqp://mq.local/jobs"));
        assertThat(plain.vhost()).isEqualTo("/");
        assertThat(plain.destination()).isEqualTo("jobs");
        assertThat(plain.address()).isEqualTo("mq.local:5672");
    }

    @Test
    @DisplayName("reads a cluster's host list: every host with its port or 5672 (5671 for amqps), one user, vhost and queue")
    void parsesHostList() {
        RabbitMqEndpoint e = RabbitMqEndpoint.of(ChannelSpec.of(
                "amqp://app:p%40ss@127.0.0.1:5672,127.0.0.1:5673,mq3.local/%2F/orders?queueType=quorum"));
        assertThat(e.cluster()).isTrue();
        assertThat(e.addresses()).extracting(a -> a.getHost() + ":" + a.getPort())
                .containsExactly("127.0.0.1:5672", "127.0.0.1:5673", "mq3.local:5672");
        assertThat(e.vhost()).isEqualTo("/");
        assertThat(e.destination()).isEqualTo("orders");
        assertThat(e.quorum()).isTrue();
        // The client library takes credentials, vhost and TLS from the first node's URI.
        assertThat(e.brokerUri().toString()).isEqualTo("amqp://app:p%40ss@127.0.0.1:5672/%2F");
        assertThat(e.address()).isEqualTo("127.0.0.1:5672,127.0.0.1:5673,mq3.local:5672");
        RabbitMqEndpoint tls = RabbitMqEndpoint.of(ChannelSpec.of("amqps://a.local,b.local:5681/shop/invoices"));
        assertThat(tls.addresses()).extracting(a -> a.getHost() + ":" + a.getPort()).containsExactly("a.local:5671", "b.local:5681");
        assertThat(tls.vhost()).isEqualTo("shop");
        assertThat(tls.brokerUri().toString()).isEqualTo("amqps://a.local:5671/shop");
        RabbitMqEndpoint single = RabbitMqEndpoint.of(ChannelSpec.of("amqp://mq.local:5673/%2F/q"));
        assertThat(single.cluster()).isFalse();
        assertThat(single.addresses()).extracting(a -> a.getHost() + ":" + a.getPort()).containsExactly("mq.local:5673");
    }

    @Test
    @DisplayName("refuses a malformed host list naming the host or port at fault and the list, with the password hidden")
    void badHostList() {
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://app:secret@h1:5672,,h3:5674/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("an empty host in its host list 'h1:5672,,h3:5674'")
                .hasMessageContaining("amqp://host1:5672,host2:5672/vhost/destination")
                .hasMessageNotContaining("secret");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,h2:five/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the port of host h2 (five)");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,h2:70000/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the port of host h2 (70000)")
                .hasMessageContaining("from 1 to 65535");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,h2:/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("the port of host h2 ()");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,:5673/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("an empty host");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,h%20x:5673/%2F/q")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no host name or address ('h%20x')");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h1:5672,h2:5673")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no queue");
    }

    @Test
    @DisplayName("refuses a URI that names no queue")
    void noQueue() {
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://guest:guest@127.0.0.1:5672/%2F/")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("names no queue");
    }

    @Test
    @DisplayName("turns a backlog limit into queue arguments, and reports the broker's drops through <queue>.dropped")
    void queueArguments() {
        QueueDeclaration d = QueueDeclaration.of(ChannelSpec.of("amqp://h/q")
                .backlog(BacklogLimit.maxLength(10).rejectNewest().andMaxAge(Duration.ofSeconds(30))), "q");
        assertThat(d.arguments()).containsEntry("x-max-length", 10L).containsEntry("x-overflow", "reject-publish")
                .containsEntry("x-message-ttl", 30_000L).containsEntry("x-dead-letter-routing-key", "q.dropped");
        assertThat(d.deadLetterQueue()).isEqualTo("q.dlq");
        assertThat(QueueDeclaration.of(ChannelSpec.of("amqp://h/q"), "q").arguments()).isEmpty();
    }

    @Test
    @DisplayName("keeps one queue by default; groups=exchange names a queue per group and reads the required groups")
    void groupModes() {
        RabbitMqEndpoint plain = RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders"));
        assertThat(plain.mode()).isEqualTo(RabbitMqEndpoint.GroupMode.QUEUE);
        assertThat(plain.queueOf("billing")).isEqualTo("orders");
        RabbitMqEndpoint queue = RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?groups=queue"));
        assertThat(queue.mode()).isEqualTo(RabbitMqEndpoint.GroupMode.QUEUE);
        RabbitMqEndpoint exchange = RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?groups=exchange&requiredGroups=billing,audit,billing"));
        assertThat(exchange.mode()).isEqualTo(RabbitMqEndpoint.GroupMode.EXCHANGE);
        assertThat(exchange.destination()).isEqualTo("orders");
        assertThat(exchange.requiredGroups()).containsExactly("billing", "audit");
        assertThat(exchange.queueOf("billing")).isEqualTo("orders.billing");
    }

    @Test
    @DisplayName("refuses a groups value it does not know, and requiredGroups outside exchange mode, naming parameter and value")
    void badGroupParameters() {
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?groups=fanout")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uri parameter groups (fanout)").hasMessageContaining("'queue'").hasMessageContaining("'exchange'");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?requiredGroups=billing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requiredGroups (billing)").hasMessageContaining("groups=exchange");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?groups=exchange&requiredGroups=a,,b")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("requiredGroups (a,,b)").hasMessageContaining("empty group");
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?group=billing")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'group'").hasMessageContaining("known: groups, maxMessageSize, queueType, requiredGroups");
    }

    @Test
    @DisplayName("queueType is classic by default or quorum; any other value is refused naming parameter and value")
    void queueType() {
        assertThat(RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders")).queueType())
                .isEqualTo(RabbitMqEndpoint.QueueType.CLASSIC);
        assertThat(RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?queueType=classic")).quorum()).isFalse();
        assertThat(RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?groups=exchange&queueType=quorum")).quorum()).isTrue();
        assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/orders?queueType=stream")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("uri parameter queueType (stream)").hasMessageContaining("'classic'").hasMessageContaining("'quorum'");
    }

    @Test
    @DisplayName("is found by ServiceLoader for amqp and amqps")
    void discovered() {
        assertThat(Sluice.installedSchemes()).contains("amqp", "amqps", "mem");
    }

    @Test
    @DisplayName("maxMessageSize gives the payload limit; without it RabbitMQ's default 128 MiB; a bad value names the parameter")
    void maxMessageSize() {
        assertThat(RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/q?maxMessageSize=1048576")).maxMessageSize()).isEqualTo(1_048_576);
        assertThat(RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/q")).maxMessageSize()).isEqualTo(134_217_728);
        for (String bad : new String[] {"0", "-1", "1k", "536870913"}) {
            assertThatThrownBy(() -> RabbitMqEndpoint.of(ChannelSpec.of("amqp://h/%2F/q?maxMessageSize=" + bad)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMessageSize (" + bad + ")");
        }
    }
}
