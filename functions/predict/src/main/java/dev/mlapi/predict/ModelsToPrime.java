package dev.mlapi.predict;

import dev.mlapi.catalog.Env;
import dev.mlapi.core.config.Environment;
import dev.mlapi.core.page.Page;
import dev.mlapi.registry.ModelCatalog;
import dev.mlapi.registry.ModelRef;
import dev.mlapi.registry.ModelSummary;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which registered models predict loads while priming, so that their first request finds them
 * loaded: the references {@code PRIME_MODELS} lists when the deployer sets it (comma-separated;
 * set but empty: none), else the first {@link #MAX_DEFAULT} tabular models, by name, that have a
 * {@code production} alias, looking at no more than {@link #MAX_SCANNED} models so init stays short.
 */
final class ModelsToPrime {

    static final String ALIAS = "production";
    static final int MAX_DEFAULT = 3;
    static final int MAX_SCANNED = 100;
    private static final int PAGE_SIZE = 25;

    private static final Logger LOG = LoggerFactory.getLogger(ModelsToPrime.class);

    /** The deployer's list, or empty for the default choice. */
    private final Optional<List<String>> listed;

    private ModelsToPrime(Optional<List<String>> listed) {
        this.listed = listed;
    }

    static ModelsToPrime from(Environment environment) {
        if (!environment.isSet(Env.PRIME_MODELS)) {
            return productionAliases();
        }
        return listed(environment.string(Env.PRIME_MODELS).map(text -> Arrays.stream(text.split(","))
                .map(String::trim).filter(ref -> !ref.isEmpty()).toList()).orElse(List.of()));
    }

    /** The default: tabular models with a {@code production} alias. */
    static ModelsToPrime productionAliases() {
        return new ModelsToPrime(Optional.empty());
    }

    /** Exactly these references, in this order (an empty list primes none). */
    static ModelsToPrime listed(List<String> refs) {
        return new ModelsToPrime(Optional.of(List.copyOf(refs)));
    }

    /**
     * Offers each chosen reference to {@code prime}, in order, which answers whether it counted (a
     * tabular model it tried to load, loaded or not); the default choice stops after
     * {@link #MAX_DEFAULT} counted. A listed reference that does not parse is logged and skipped.
     */
    void offer(ModelCatalog catalog, Predicate<ModelRef> prime) {
        if (listed.isPresent()) {
            for (String text : listed.get()) {
                ModelRef ref;
                try {
                    ref = ModelRef.parse(Env.PRIME_MODELS, text);
                } catch (RuntimeException e) {
                    LOG.warn("{} names '{}', which is not a model reference; not primed", Env.PRIME_MODELS, text);
                    continue;
                }
                prime.test(ref);
            }
            return;
        }
        int counted = 0;
        int scanned = 0;
        Optional<String> cursor = Optional.empty();
        do {
            Page<ModelSummary> page = catalog.listModels(PAGE_SIZE, cursor);
            for (ModelSummary model : page.items()) {
                if (++scanned > MAX_SCANNED) {
                    LOG.info("looked at {} models for {} aliases; priming stops there", MAX_SCANNED, ALIAS);
                    return;
                }
                if (model.aliases().containsKey(ALIAS)
                        && prime.test(new ModelRef(model.name(), OptionalInt.empty(), Optional.of(ALIAS)))
                        && ++counted == MAX_DEFAULT) {
                    return;
                }
            }
            cursor = page.nextCursor();
        } while (cursor.isPresent());
    }

    @Override
    public String toString() {
        return listed.map(refs -> Env.PRIME_MODELS + "=" + String.join(",", refs))
                .orElse("the first " + MAX_DEFAULT + " tabular models with a " + ALIAS + " alias");
    }
}
