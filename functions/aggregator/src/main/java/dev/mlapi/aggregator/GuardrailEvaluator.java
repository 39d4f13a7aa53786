package dev.mlapi.aggregator;

import dev.mlapi.core.observability.Telemetry;
import dev.mlapi.core.requestlog.RequestLogEntry;
import dev.mlapi.core.rollup.Dimension;
import dev.mlapi.core.rollup.ReadBudget;
import dev.mlapi.core.rollup.RequestRollups;
import dev.mlapi.core.rollup.Rollup;
import dev.mlapi.core.rollup.Tier;
import dev.mlapi.registry.AliasEvent;
import dev.mlapi.registry.AliasEvent.Kind;
import dev.mlapi.registry.AliasGuardrail;
import dev.mlapi.registry.AliasTarget;
import dev.mlapi.registry.ModelAlias;
import dev.mlapi.registry.ModelAlias.Canary;
import dev.mlapi.registry.ModelCatalog;
import dev.mlapi.registry.ModelRegistryWriter;
import dev.mlapi.registry.PromoteAfter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;

/**
 * Watches the canaries of aliases: after a batch of the request log is rolled up, each alias with
 * a canary that served in the batch is judged from the per-version minute rollups. A canary that
 * breaks its {@link AliasGuardrail} is rolled back (the alias keeps its stable version alone); one
 * that held for its {@link PromoteAfter} becomes the stable version. Both are conditional writes
 * of the alias ({@link ModelRegistryWriter#replaceAlias}): a change somebody made meanwhile wins.
 * Each rollback or promotion is recorded as the alias's event and counted as the metric
 * {@value #ROLLBACKS} or {@value #PROMOTIONS}.
 *
 * <p>Error rates count 4xx and 5xx answers alike: both versions get the same requests, so a canary
 * that refuses what the stable version serves fails as surely as one that crashes.
 */
public final class GuardrailEvaluator {

    public static final String ROLLBACKS = "alias_rollbacks";
    public static final String PROMOTIONS = "alias_promotions";
    /** Who the registry records as having made an automatic change. */
    public static final String ACTOR = "guardrail";

    private static final Logger LOG = LoggerFactory.getLogger(GuardrailEvaluator.class);
    private static final String CANARY = "canary";
    /** A minute-tier read of at most 48 hours × a few versions. */
    private static final int MAX_ITEMS = 20_000;

    private final ModelRegistryWriter registry;
    private final ModelCatalog catalog;
    private final RequestRollups rollups;
    private final Clock clock;

    public GuardrailEvaluator(ModelRegistryWriter registry, ModelCatalog catalog, RequestRollups rollups, Clock clock) {
        this.registry = registry;
        this.catalog = catalog;
        this.rollups = rollups;
        this.clock = clock;
    }

    /** What happened to one alias. */
    public record Outcome(String model, String alias, Kind kind, int fromVersion, int toVersion, String reason) {
    }

    /**
     * Judges the aliases of every model whose canary served one of {@code entries} (already rolled
     * up). Never throws: an alias that cannot be judged now is judged again with the next batch.
     */
    public List<Outcome> afterBatch(List<RequestLogEntry> entries) {
        Set<String> models = new LinkedHashSet<>();
        for (RequestLogEntry entry : entries) {
            if (entry.modelRole().filter(CANARY::equals).isPresent()) {
                entry.servedVersion().map(v -> v.substring(0, v.lastIndexOf(':'))).ifPresent(models::add);
            }
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (String model : models) {
            try {
                for (ModelAlias alias : catalog.aliases(model)) {
                    judge(alias).ifPresent(outcomes::add);
                }
            } catch (RuntimeException e) {
                LOG.warn("could not judge the canaries of model {}; the next batch tries again", model, e);
            }
        }
        return outcomes;
    }

    /** Rolls back or promotes the alias's canary if it has to; empty when it stays (or somebody moved it first). */
    public Optional<Outcome> judge(ModelAlias alias) {
        if (alias.canary().isEmpty() || (alias.guardrail().isEmpty() && alias.promoteAfter().isEmpty())) {
            return Optional.empty();
        }
        Canary canary = alias.canary().get();
        Instant now = clock.instant();
        Instant to = Tier.MINUTE.floor(now).plus(Tier.MINUTE.length());
        Instant since = Tier.MINUTE.floor(canary.since());
        if (alias.guardrail().isPresent()) {
            AliasGuardrail guardrail = alias.guardrail().get();
            Instant from = later(since, to.minus(Duration.ofMinutes(guardrail.windowMinutes())));
            Map<String, Rollup> window = read(from, to);
            Rollup stable = of(window, alias.model(), alias.version());
            Rollup tried = of(window, alias.model(), canary.version());
            Optional<String> broken = broken(guardrail, stable, tried);
            if (broken.isPresent()) {
                Map<String, Object> figures = figures(stable, tried);
                figures.put("window_minutes", guardrail.windowMinutes());
                return apply(alias, Kind.ROLLBACK, canary.version(), alias.version(), broken.get(), figures,
                        new AliasTarget(alias.version(), Optional.empty(), shadowOf(alias, alias.version()),
                                alias.guardrail(), alias.promoteAfter()));
            }
        }
        if (alias.promoteAfter().isPresent()) {
            PromoteAfter promote = alias.promoteAfter().get();
            if (now.isBefore(canary.since().plus(Duration.ofMinutes(promote.minutes())))) {
                return Optional.empty();
            }
            Map<String, Rollup> all = read(since, to);
            Rollup tried = of(all, alias.model(), canary.version());
            if (tried.requests() >= promote.requests()) {
                Map<String, Object> figures = figures(of(all, alias.model(), alias.version()), tried);
                String reason = String.format(Locale.ROOT, "held for %d requests over %d minutes (promote after %d "
                        + "requests and %d minutes)", tried.requests(),
                        Duration.between(canary.since(), now).toMinutes(), promote.requests(), promote.minutes());
                return apply(alias, Kind.PROMOTE, alias.version(), canary.version(), reason, figures,
                        new AliasTarget(canary.version(), Optional.empty(), shadowOf(alias, canary.version()),
                                alias.guardrail(), alias.promoteAfter()));
            }
        }
        return Optional.empty();
    }

    /** Why the canary broke the guardrail, if it did. */
    static Optional<String> broken(AliasGuardrail guardrail, Rollup stable, Rollup tried) {
        if (tried.requests() < guardrail.minRequests()) {
            return Optional.empty();
        }
        double increase = tried.errorRate() - stable.errorRate();
        if (increase > guardrail.maxErrorRateIncrease()) {
            return Optional.of(String.format(Locale.ROOT,
                    "error rate %.1f%% against the stable version's %.1f%% over %d canary requests: %.1f points more,"
                            + " the guardrail allows %.1f", 100 * tried.errorRate(), 100 * stable.errorRate(),
                    tried.requests(), 100 * increase, 100 * guardrail.maxErrorRateIncrease()));
        }
        double stableP95 = stable.processingTimes().quantile(0.95);
        double triedP95 = tried.processingTimes().quantile(0.95);
        if (stable.requests() > 0 && stableP95 > 0 && triedP95 / stableP95 > guardrail.maxP95Ratio()) {
            return Optional.of(String.format(Locale.ROOT,
                    "p95 %.1f ms against the stable version's %.1f ms: %.2f times, the guardrail allows %.2f",
                    1000 * triedP95, 1000 * stableP95, triedP95 / stableP95, guardrail.maxP95Ratio()));
        }
        return Optional.empty();
    }

    private Optional<Outcome> apply(ModelAlias alias, Kind kind, int from, int to, String reason,
            Map<String, Object> figures, AliasTarget target) {
        Optional<ModelAlias> changed = registry.replaceAlias(alias.model(), alias.alias(), alias.change(), target, ACTOR,
                new AliasEvent.Decision(kind, from, to, reason, figures));
        if (changed.isEmpty()) {
            LOG.info("alias {}@{} changed while its canary was judged; the change stands", alias.model(), alias.alias());
            return Optional.empty();
        }
        Telemetry.count(kind == Kind.ROLLBACK ? ROLLBACKS : PROMOTIONS, alias.model() + "@" + alias.alias());
        LOG.warn("alias {}@{}: {} from version {} to {}: {}", alias.model(), alias.alias(), kind.value(), from, to,
                reason);
        return Optional.of(new Outcome(alias.model(), alias.alias(), kind, from, to, reason));
    }

    /** The shadow stays unless it would shadow the version that now serves. */
    private static OptionalInt shadowOf(ModelAlias alias, int stable) {
        return alias.shadow().filter(s -> s.version() != stable).map(s -> OptionalInt.of(s.version()))
                .orElse(OptionalInt.empty());
    }

    private Map<String, Rollup> read(Instant from, Instant to) {
        Map<String, Rollup> versions = new LinkedHashMap<>();
        if (!from.isBefore(to)) {
            return versions;
        }
        ReadBudget budget = ReadBudget.of(MAX_ITEMS, clock.instant().plus(Duration.ofSeconds(10)), clock);
        rollups.read(Tier.MINUTE, Dimension.MODEL_VERSION, from, to, budget).values()
                .forEach(groups -> groups.forEach((group, rollup) -> versions
                        .computeIfAbsent(group, g -> Rollup.of(0, 0, 0, 0, 0, 0, 0, 0)).merge(rollup)));
        return versions;
    }

    private static Rollup of(Map<String, Rollup> versions, String model, int version) {
        return versions.getOrDefault(model + ":" + version, Rollup.of(0, 0, 0, 0, 0, 0, 0, 0));
    }

    private static Map<String, Object> figures(Rollup stable, Rollup canary) {
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("stable_requests", stable.requests());
        figures.put("stable_errors", stable.clientErrors() + stable.serverErrors());
        figures.put("stable_p95_ms", round(1000 * stable.processingTimes().quantile(0.95)));
        figures.put("canary_requests", canary.requests());
        figures.put("canary_errors", canary.clientErrors() + canary.serverErrors());
        figures.put("canary_p95_ms", round(1000 * canary.processingTimes().quantile(0.95)));
        return figures;
    }

    private static double round(double value) {
        return Double.isFinite(value) ? Math.round(value * 100) / 100.0 : 0;
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
