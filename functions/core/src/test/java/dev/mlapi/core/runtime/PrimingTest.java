package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Priming runs every primer at a snapshot's or provisioned init, knows it is priming, and never fails
 * the function's init; an on-demand init (or one outside Lambda) does not prime: a request waits for it.
 */
class PrimingTest {

    @ParameterizedTest
    @ValueSource(strings = {"snap-start", "provisioned-concurrency"})
    void atInit_forASnapshotOrProvisionedInit_runsEveryPrimer_evenAfterOneFails_andSaysItIsPriming(String type) {
        List<String> ran = new ArrayList<>();
        Primer failing = () -> {
            ran.add("failing");
            throw new IllegalStateException("no table");
        };
        Primer counting = () -> ran.add("counting, priming=" + Priming.inProgress());

        Priming.atInit(type, failing, counting);

        assertThat(ran).containsExactly("failing", "counting, priming=true");
        assertThat(Priming.inProgress()).isFalse();
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"on-demand", ""})
    void atInit_forAnOnDemandInit_orOutsideLambda_runsNoPrimer(String type) {
        List<String> ran = new ArrayList<>();

        Priming.atInit(type, () -> ran.add("primed"));

        assertThat(ran).isEmpty();
    }
}
