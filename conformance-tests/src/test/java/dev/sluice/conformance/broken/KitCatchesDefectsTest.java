package dev.sluice.conformance.broken;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedMethod;

import dev.sluice.conformance.BrokerCompatibilityKit;
import dev.sluice.conformance.scenarios.BacklogLimitScenarios;
import dev.sluice.conformance.scenarios.ConnectionFaultScenarios;
import dev.sluice.conformance.scenarios.DeliveryScenarios;
import dev.sluice.conformance.scenarios.InFlightCapScenarios;
import dev.sluice.conformance.scenarios.PauseChurnScenarios;
import dev.sluice.conformance.scenarios.TwoGroupScenarios;
import dev.sluice.conformance.scenarios.PauseOwnershipScenarios;
import dev.sluice.conformance.scenarios.PauseResumeScenarios;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * The kit can fail: each broken variant of the in-memory adapter is caught by the scenario meant
 * to catch it, and the same scenario passes on the correct adapter ({@code InMemoryCompatibilityTest}).
 */
class KitCatchesDefectsTest {

    static Stream<Arguments> defects() {
        return Stream.of(
                caught(BrokenKits.LosesMessages.class, "Delivery", DeliveryScenarios.class, "deliversEveryMessageOnce"),
                caught(BrokenKits.IgnoresInFlightCap.class, "InFlightCap", InFlightCapScenarios.class, "neverMoreThanTheCapUnacked"),
                caught(BrokenKits.NeverResumes.class, "PauseResume", PauseResumeScenarios.class, "nothingWhilePaused"),
                caught(BrokenKits.ResumesOverManualPause.class, "PauseOwnership", PauseOwnershipScenarios.class,
                        "manualPauseSurvivesAutomaticResume"),
                caught(BrokenKits.DropsSilently.class, "BacklogLimits", BacklogLimitScenarios.class, "dropOldestKeepsTheNewest"),
                caught(BrokenKits.OverfetchesOnRegrant.class, "PauseChurn", PauseChurnScenarios.class,
                        "capHoldsOverBackpressureCycles"),
                caught(BrokenKits.ReleaseCountsAttempt.class, "PauseChurn", PauseChurnScenarios.class, "nothingStartsAfterPause"),
                caught(BrokenKits.PauseReturnsEarly.class, "PauseChurn", PauseChurnScenarios.class, "nothingStartsAfterPause"),
                caught(BrokenKits.GroupsCompete.class, "TwoGroups", TwoGroupScenarios.class, "eachGroupReceivesEveryMessage"),
                caught(BrokenKits.NeverUnreachable.class, "ConnectionFaults", ConnectionFaultScenarios.class, "healthFollowsRestart"));
    }

    private static Arguments caught(Class<? extends BrokerCompatibilityKit> kit, String family, Class<?> scenarios, String method) {
        return Arguments.of(kit.getSimpleName(), kit, family, scenarios, method);
    }

    @ParameterizedTest(name = "{0} is caught by {2}.{4}")
    @MethodSource("defects")
    @DisplayName("a broken adapter fails the scenario meant to catch it")
    void defectIsCaught(String name, Class<?> kit, String family, Class<?> scenarios, String method) throws Exception {
        Class<?> nested = Class.forName(BrokerCompatibilityKit.class.getName() + "$" + family);
        EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
                .selectors(selectNestedMethod(List.of(kit), nested, method))
                .execute();
        results.testEvents().assertStatistics(stats -> stats.started(1).failed(1));
        Throwable failure = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow();
        // Failed on what the scenario checks, not on a crash in its setup.
        assertThat(failure).isInstanceOfAny(AssertionError.class, ConditionTimeoutException.class);
        System.out.println(name + " caught: " + failure.getMessage().lines().findFirst().orElse(""));
    }
}
