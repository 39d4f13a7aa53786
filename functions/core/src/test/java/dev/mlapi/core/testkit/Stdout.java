package dev.mlapi.core.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Supplier;

/**
 * What a piece of code prints to stdout, where Lambda collects log lines and EMF records.
 * Log4j's console appender is configured to follow {@code System.out}, and EMF prints to it.
 */
public final class Stdout {

    private Stdout() {
    }

    /** The value {@code work} returned and the lines printed while it ran (also passed through to the real stdout). */
    public record Captured<T>(T value, List<String> lines) {
    }

    public static synchronized <T> Captured<T> capture(Supplier<T> work) {
        PrintStream original = System.out;
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buffer, true, StandardCharsets.UTF_8));
        T value;
        try {
            value = work.get();
        } finally {
            System.setOut(original);
        }
        String printed = buffer.toString(StandardCharsets.UTF_8);
        original.print(printed);
        return new Captured<>(value, printed.lines().toList());
    }
}
