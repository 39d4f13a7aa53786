package dev.mlapi.imagestore;

import dev.mlapi.core.testkit.BenchSelection;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.core.users.Role;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * Listing by one tag and by two tags at several library sizes, side by side in one run, on
 * DynamoDB Local through the real adapter ({@code BENCHMARKS.md}). Every image carries
 * {@code common} (1 in 2), {@code other} (1 in 3) and {@code rare} (1 in 100) as its index says;
 * records and links are written in batches by the test code's bulk import ({@link ImageImports}) (item for item what an upload writes).
 *
 * <pre>./mvnw -q -o -pl functions/imagestore -am test-compile exec:exec@bench -DskipTests -Dbench=images -Dbench.sizes=1000,100000</pre>
 */
public final class ImageListingBenchmark {

    private static final int RUNS = 25;
    private static final int WARM_UP = 60;
    private static final int PAGE = 20;

    private ImageListingBenchmark() {
    }

    public static void main(String[] args) {
        if (!BenchSelection.runs("images")) {
            return;
        }
        int[] sizes = Arrays.stream(System.getProperty("bench.sizes", "1000,100000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        Map<String, Map<Integer, String>> table = new LinkedHashMap<>();
        Map<Integer, String> seeding = new LinkedHashMap<>();
        for (int size : sizes) {
            try (TestStack stack = TestStack.start()) {
                ImageLibrary library = ImageLibrary.create(stack.wiring());
                DynamoDbImageTables tables = DynamoDbImageTables.create(stack.wiring().dynamoDb(), stack.config().environment());
                Principal admin = new Principal("id", "bench", Role.ADMIN, "jti", 0, Instant.now().plusSeconds(86_400));
                Map<String, String> tagIds = new LinkedHashMap<>();
                for (String name : List.of("common", "other", "rare")) {
                    library.createTag(admin, name);
                    tagIds.put(name, tables.tagByName(TagName.of("name", name)).orElseThrow().id());
                }
                long started = System.nanoTime();
                seed(stack, tagIds, size);
                seeding.put(size, String.format(Locale.ROOT, "%.0f", size / ((System.nanoTime() - started) / 1e9)));
                Map<String, ImageQuery> queries = new LinkedHashMap<>();
                queries.put("tag=rare (1%)", query(List.of("rare"), true));
                queries.put("tag=common (50%)", query(List.of("common"), true));
                queries.put("tag=common&tag=other, all (17%)", query(List.of("common", "other"), true));
                queries.put("tag=common&tag=rare, all (0.5%)", query(List.of("common", "rare"), true));
                queries.put("tag=rare&tag=other, any (34%)", query(List.of("rare", "other"), false));
                queries.forEach((name, query) -> table.computeIfAbsent(name, k -> new LinkedHashMap<>())
                        .put(size, measure(library, admin, query)));
            }
        }
        StringBuilder out = new StringBuilder("| listing (page of " + PAGE + ", newest first) |");
        for (int size : sizes) {
            out.append(' ').append(String.format(Locale.ROOT, "%,d", size)).append(" images: median (p90) ms |");
        }
        out.append("\n|---|").append("---:|".repeat(sizes.length)).append('\n');
        table.forEach((name, bySize) -> {
            out.append("| ").append(name).append(" |");
            for (int size : sizes) {
                out.append(' ').append(bySize.get(size)).append(" |");
            }
            out.append('\n');
        });
        out.append("| (seeding: images/s, bulk import) |");
        for (int size : sizes) {
            out.append(' ').append(seeding.get(size)).append(" |");
        }
        System.out.println(out);
        // DynamoDB Local's scheduler thread is not a daemon.
        System.exit(0);
    }

    private static ImageQuery query(List<String> tags, boolean all) {
        return new ImageQuery(Optional.empty(), tags, all, Optional.empty(), Optional.empty(), PAGE, Optional.empty());
    }

    private static void seed(TestStack stack, Map<String, String> tagIds, int size) {
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        List<StoredImage> batch = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            Set<String> tags = new TreeSet<>();
            if (i % 2 == 0) {
                tags.add(tagIds.get("common"));
            }
            if (i % 3 == 0) {
                tags.add(tagIds.get("other"));
            }
            if (i % 100 == 0) {
                tags.add(tagIds.get("rare"));
            }
            batch.add(new StoredImage(UUID.randomUUID().toString(), "owner" + (i % 10), "p" + i + ".jpg", "image/jpeg",
                    1000, 10, 10, "0".repeat(64), Optional.empty(), tags, List.of(), base.plusMillis(i), 1));
            if (batch.size() == 500 || i == size - 1) {
                ImageImports.importImages(stack.wiring().dynamoDb(), stack.config().environment(), batch);
                batch.clear();
            }
        }
    }

    /** Median (p90) of {@link #RUNS} first pages, after {@link #WARM_UP} calls (the first size also warms the JIT). */
    private static String measure(ImageLibrary library, Principal admin, ImageQuery query) {
        for (int i = 0; i < WARM_UP; i++) {
            library.list(admin, query);
        }
        double[] ms = new double[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            ImageList page = library.list(admin, query);
            ms[i] = (System.nanoTime() - started) / 1e6;
            if (page.items().isEmpty()) {
                throw new IllegalStateException("empty page for " + query);
            }
        }
        Arrays.sort(ms);
        return String.format(Locale.ROOT, "%.1f (%.1f)", ms[RUNS / 2], ms[(int) (RUNS * 0.9)]);
    }
}
