package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Priming runs every primer at init, knows it is priming, and never fails the function's init. */
class PrimingTest {

    @Test
    void atInit_runsEveryPrimer_evenAfterOneFails_andSaysItIsPriming() {
        List<String> ran = new ArrayList<>();
        Primer failing = () -> {
            ran.add("failing");
            throw new IllegalStateException("no table");
        };
        Primer counting = () -> ran.add("counting, priming=" + Priming.inProgress());

        Priming.atInit(failing, counting);

        assertThat(ran).containsExactly("failing", "counting, priming=true");
        assertThat(Priming.inProgress()).isFalse();
    }
}
