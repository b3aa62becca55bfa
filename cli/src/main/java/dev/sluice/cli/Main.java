package dev.sluice.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * {@code sluice check} runs the conformance kit against brokers and writes a report;
 * {@code sluice demo} shows a fast producer against a slow consumer live; {@code sluice soak}
 * runs producers and consumers under a seeded fault schedule and checks a per-message ledger.
 * Exit codes: 0 when every scenario that ran passed (every ledger held), 1 when one failed, 2 for bad arguments (with the usage), 3 when
 * a broker named on the command line cannot be reached.
 */
public final class Main {

    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    static final String USAGE = """
            usage: sluice check [--broker URI]... [--report DIR] [--scale FACTOR]
                   sluice demo --broker URI [--strategy block|drop-newest|drop-oldest|drop-random]
                               [--count N] [--consume-per-second N]
                   sluice soak [--broker mem|kafka|rabbitmq|sqs|redis|URI]... [--faults N] [--duration 90s|10m]
                               [--seed S] [--rate N] [--report DIR] [--out FILE] [--results FILE]
                   sluice help

              check   runs every scenario family of the conformance kit against each broker and
                      writes DIR/report.md, DIR/report.html and DIR/results.json (DIR defaults to
                      sluice-report). Without --broker it takes every broker it can get: the
                      SLUICE_KAFKA_URI / SLUICE_RABBITMQ_URI / SLUICE_SQS_URI / SLUICE_REDIS_URI
                      variables, containers when Docker answers, in-process Kafka and ElasticMQ,
                      redis-server and rabbitmq-server from the PATH; and mem://.
              demo    a producer ten times faster than its consumer, showing the buffer, in-flight,
                      backlog, drops and pauses until --count messages are handled.

              soak    a producer (block) and at-least-once consumers under a seeded schedule of the
                      broker's faults (cut, stall, restart, alarm), consumer crashes and SIGKILLs of
                      a member process, for --faults faults (default 20) or --duration, per broker;
                      a ledger checks 0 lost, every drop reported, duplicates per fault within the
                      in-flight caps, no leaked threads or connections. Writes the ledgers to --out (DIR/soak.json), a section to DIR/report.html
                      and the figures to --results (benchmarks/results.json from the repository root).
                      Exit 1 when a ledger fails, with the reason.

              URIs: kafka://host:9092  amqp://user:pw@host:5672/%2F  sqs://host:9324?region=us-east-1
                    redis://host:6379  redis-cluster://host1:7000,host2:7001  mem://
            """;

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command; returns its exit code instead of exiting, for tests. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> list = Arrays.asList(args);
        if (list.isEmpty()) {
            err.println("sluice: no command given");
            err.print(USAGE);
            return EXIT_USAGE;
        }
        String command = list.get(0);
        List<String> rest = list.subList(1, list.size());
        try {
            return switch (command) {
                case "check" -> new CheckCommand(CheckOptions.parse(rest), out, err).run();
                case "demo" -> new DemoCommand(DemoOptions.parse(rest), out, err).run();
                case "soak" -> new SoakCommand(SoakOptions.parse(rest), out, err).run();
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield EXIT_OK;
                }
                default -> throw new UsageException("unknown command '" + command + "'");
            };
        } catch (UsageException e) {
            err.println("sluice: " + e.getMessage());
            err.print(USAGE);
            return EXIT_USAGE;
        } catch (UnreachableBrokerException e) {
            err.println("sluice: " + e.getMessage());
            return EXIT_UNREACHABLE;
        }
    }
}
