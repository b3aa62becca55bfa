package dev.sluice.cli;

import dev.sluice.cli.Results.Scenario;
import dev.sluice.cli.Results.Status;
import dev.sluice.conformance.KitBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** Runs every scenario family of the kit against one broker through the JUnit Platform, recording each scenario. */
final class KitRun {

    /** What the progress line shows. */
    record Progress(String broker, String family, int done, int total, int failed) {
    }

    private KitRun() {
    }

    static List<Scenario> run(KitBroker broker, Consumer<Progress> progress) {
        try (Recorder recorder = new Recorder()) {
            KitUnderCheck.current = new RecordingKitBroker(broker, recorder);
            Listener listener = new Listener(broker.name(), recorder, progress);
            LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
                    .selectors(DiscoverySelectors.selectClass(KitUnderCheck.class))
                    .build();
            Launcher launcher = LauncherFactory.create();
            launcher.execute(request, listener);
            return listener.scenarios;
        } finally {
            KitUnderCheck.current = null;
        }
    }

    private static final class Listener implements TestExecutionListener {
        private final String broker;
        private final Recorder recorder;
        private final Consumer<Progress> progress;
        private final List<Scenario> scenarios = new ArrayList<>();
        private final Map<String, Long> started = new ConcurrentHashMap<>();
        private TestPlan plan;
        private int total;
        private int failed;

        Listener(String broker, Recorder recorder, Consumer<Progress> progress) {
            this.broker = broker;
            this.recorder = recorder;
            this.progress = progress;
        }

        @Override
        public void testPlanExecutionStarted(TestPlan testPlan) {
            plan = testPlan;
            total = (int) testPlan.countTestIdentifiers(TestIdentifier::isTest);
        }

        private String family(TestIdentifier id) {
            return plan.getParent(id).map(TestIdentifier::getDisplayName).orElse("?");
        }

        @Override
        public void executionStarted(TestIdentifier id) {
            if (id.isTest()) {
                started.put(id.getUniqueId(), System.nanoTime());
                recorder.begin();
                progress.accept(new Progress(broker, family(id), scenarios.size(), total, failed));
            }
        }

        @Override
        public void executionSkipped(TestIdentifier id, String reason) {
            for (TestIdentifier test : testsOf(id)) {
                add(test, Status.SKIP, reason, 0, List.of());
            }
        }

        private List<TestIdentifier> testsOf(TestIdentifier id) {
            if (id.isTest()) {
                return List.of(id);
            }
            List<TestIdentifier> tests = new ArrayList<>();
            for (TestIdentifier child : plan.getChildren(id)) {
                tests.addAll(testsOf(child));
            }
            return tests;
        }

        @Override
        public void executionFinished(TestIdentifier id, TestExecutionResult result) {
            if (!id.isTest()) {
                if (result.getStatus() == TestExecutionResult.Status.FAILED && plan.getParent(id).isPresent()) {
                    // A container that failed (its set-up) fails every scenario in it that did not run.
                    for (TestIdentifier test : testsOf(id)) {
                        if (scenarios.stream().noneMatch(s -> s.name().equals(test.getDisplayName()) && s.family().equals(family(test)))) {
                            add(test, Status.FAIL, reason(result), 0, List.of());
                        }
                    }
                }
                return;
            }
            long millis = (System.nanoTime() - started.getOrDefault(id.getUniqueId(), System.nanoTime())) / 1_000_000;
            var timelines = recorder.end();
            Status status = switch (result.getStatus()) {
                case SUCCESSFUL -> Status.PASS;
                case ABORTED -> Status.SKIP;
                case FAILED -> Status.FAIL;
            };
            add(id, status, status == Status.PASS ? "" : reason(result), millis, timelines);
        }

        private void add(TestIdentifier test, Status status, String reason, long millis, List<Results.Timeline> timelines) {
            String family = family(test);
            if (status == Status.FAIL) {
                failed++;
            }
            scenarios.add(new Scenario(Results.familyNumber(family), family, test.getDisplayName(), status, reason, millis, timelines));
            progress.accept(new Progress(broker, family, scenarios.size(), total, failed));
        }

        private static String reason(TestExecutionResult result) {
            return result.getThrowable().map(t -> {
                String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
                return m.replaceFirst("^Assumption failed: ", "").replaceAll("\\s+", " ").trim();
            }).orElse("");
        }
    }
}
