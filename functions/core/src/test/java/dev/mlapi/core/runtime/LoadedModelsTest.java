package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.core.runtime.LoadedModels.Entry;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoadedModelsTest {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void snapshot_listsRegisteredModels_byNameAndVersion() {
        LoadedModels loaded = new LoadedModels();
        Entry b1 = new Entry("b", 1, 10, T0);
        Entry a2 = new Entry("a", 2, 20, T0);
        Entry a1 = new Entry("a", 1, 30, T0.plusSeconds(5));
        loaded.register(b1);
        loaded.register(a2);
        loaded.register(a1);

        assertThat(loaded.snapshot()).containsExactly(a1, a2, b1);
    }

    @Test
    void unregister_forgetsOneRegistration_soTwoCachesOfTheSameModelCountApart() {
        LoadedModels loaded = new LoadedModels();
        Entry model = new Entry("a", 1, 10, T0);
        loaded.register(model);
        loaded.register(model);

        loaded.unregister(model);
        assertThat(loaded.snapshot()).containsExactly(model);
        loaded.unregister(model);
        loaded.unregister(model);
        assertThat(loaded.snapshot()).isEmpty();
    }
}
