package dev.mlapi.predict;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.Wiring;
import dev.mlapi.core.aws.DynamoDbShadowAgreements;
import dev.mlapi.core.rollup.ShadowCopies;
import dev.mlapi.core.runtime.AfterAnswer;
import dev.mlapi.registry.Manifest;
import java.util.List;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * Scores a copy of each request an alias's stable version served with the alias's shadow version,
 * after the answer ({@link ShadowCopies}: off the caller's path, bounded, counted per minute), and
 * says whether the shadow agreed: the same label for every instance, or for regression a value
 * within {@value #RELATIVE_TOLERANCE} of the stable one relative to the larger.
 */
final class ShadowScoring {

    static final double RELATIVE_TOLERANCE = 0.01;

    private final ShadowCopies copies;

    ShadowScoring(ShadowCopies copies) {
        this.copies = copies;
    }

    /** Agreements kept in the rollups table. */
    static ShadowScoring create(Wiring wiring) {
        return new ShadowScoring(new ShadowCopies(new DynamoDbShadowAgreements(wiring.dynamoDb(),
                wiring.config().environment().tableName(TableCatalog.REQUEST_ROLLUPS)), wiring.clock()));
    }

    /**
     * Leaves for after the answer, through {@code later}, the shadow's scoring of {@code instances}
     * compared with {@code stable}'s answers, for alias {@code alias} ({@code iris@production}).
     */
    void submit(AfterAnswer later, String alias, Manifest shadow, List<JsonNode> instances,
            List<TabularModel.Output> stable, BiFunction<Manifest, List<JsonNode>, List<TabularModel.Output>> scorer) {
        copies.offer(later, alias, shadow.ref(), shadow.version(), () -> agree(stable, scorer.apply(shadow, instances)));
    }

    /** Copies skipped in this container because the after-answer backlog was full. */
    long skipped() {
        return copies.skipped();
    }

    /** Whether every instance got the same answer (labels equal; values within the tolerance). */
    static boolean agree(List<TabularModel.Output> stable, List<TabularModel.Output> shadow) {
        if (stable.size() != shadow.size()) {
            return false;
        }
        for (int i = 0; i < stable.size(); i++) {
            TabularModel.Output a = stable.get(i);
            TabularModel.Output b = shadow.get(i);
            if (a.value() != null || b.value() != null) {
                if (a.value() == null || b.value() == null) {
                    return false;
                }
                double scale = Math.max(Math.abs(a.value()), Math.abs(b.value()));
                if (Math.abs(a.value() - b.value()) > RELATIVE_TOLERANCE * scale) {
                    return false;
                }
            } else if (!Objects.equals(a.label(), b.label())) {
                return false;
            }
        }
        return true;
    }
}
