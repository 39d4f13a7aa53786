package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Class priming loads and initialises the listed classes, and skips stale names without failing. */
class ClassPrimingTest {

    /** Which classes of this test ran their static initialiser (reading it initialises nothing). */
    static final List<String> INITIALISED = new CopyOnWriteArrayList<>();

    /** Initialised only when something loads it with initialisation. */
    static final class Listed {
        static {
            INITIALISED.add("Listed");
        }
    }

    /** Its initialiser throws: the list must still be worked through. */
    static final class Broken {
        static {
            if (true) {
                throw new IllegalStateException("cannot initialise");
            }
        }
    }

    @Test
    void loadAll_initialisesListedClasses_andSkipsMissingOrBrokenOnes() {
        ClassPriming priming = new ClassPriming(getClass().getClassLoader(), List.of(
                "dev.mlapi.core.runtime.NoSuchClass", Broken.class.getName(), Listed.class.getName()));

        int loaded = priming.loadAll();

        assertThat(loaded).isEqualTo(1);
        assertThat(INITIALISED).containsExactly("Listed");
    }

    @Test
    void read_takesOneNamePerLine_ignoringBlanksAndComments() throws Exception {
        String text = "# written by PrimingClassList\n\njava.util.ArrayList\n  java.util.HashMap  \n";

        List<String> names = ClassPriming.read(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));

        assertThat(names).containsExactly("java.util.ArrayList", "java.util.HashMap");
    }
}
