package dev.mlapi.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.page.Page;
import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.AliasTarget.CanaryTarget;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** Shadows, guardrails, conditional (automatic) alias changes and the alias's events on the S3 registry (S3Proxy). */
class AliasGuardrailTest {

    static TestStack stack;
    static S3ModelRegistry registry;
    static S3Client s3;
    static S3Presigner presigner;

    static final AliasGuardrail GUARDRAIL = new AliasGuardrail(0.05, 2, 20, 5);

    @BeforeAll
    static void start() {
        stack = TestStack.start();
        RegistrySettings settings = RegistrySettings.from(stack.config());
        s3 = S3Clients.s3(settings);
        presigner = S3Clients.presigner(settings);
        registry = S3ModelRegistry.create(settings, s3, presigner, Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        presigner.close();
        s3.close();
        stack.close();
    }

    static Manifest tabular(String name) {
        return registry.register(S3ModelRegistryTest.tabular(name).build(), List.of(S3ModelRegistryTest.onnx(4)));
    }

    static Manifest image(String name) {
        return registry.register(ModelRegistration.builder().setName(name).setKind(ModelKind.IMAGE_CLASSIFIER)
                .setModelFile("net.onnx").setCreatedBy("alice").build(),
                List.of(new ModelFile("net.onnx", TestModels.tabular(3, 3)),
                        new ModelFile("synset.txt", "a\nb\nc\n".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    }

    static AliasTarget target(int version, Integer canary, Integer shadow) {
        return new AliasTarget(version, Optional.ofNullable(canary).map(c -> new CanaryTarget(c, 10)),
                shadow == null ? OptionalInt.empty() : OptionalInt.of(shadow), Optional.of(GUARDRAIL),
                Optional.of(new PromoteAfter(100, 10)));
    }

    @Test
    void setAlias_withShadowGuardrailAndPromotion_keepsThemAndTheShadowsSince() {
        for (int i = 0; i < 3; i++) {
            tabular("kept");
        }
        ModelAlias first = registry.setAlias("kept", "production", target(1, 2, 3), "admin");
        assertThat(first.shadow()).get().extracting(ModelAlias.Shadow::version).isEqualTo(3);
        assertThat(first.guardrail()).contains(GUARDRAIL);
        assertThat(first.promoteAfter()).contains(new PromoteAfter(100, 10));
        ModelAlias again = registry.setAlias("kept", "production", target(1, null, 3), "admin");
        assertThat(again.shadow().get().since()).isEqualTo(first.shadow().get().since());
        assertThat(registry.aliases("kept")).singleElement().isEqualTo(again);
        assertThatThrownBy(() -> registry.deleteVersion("kept", 3)).isInstanceOf(Conflict.class)
                .hasMessageContaining("production");
    }

    @Test
    void setAlias_whenTheShadowIsStableCanaryMissingOrAnotherKind_isA400NamingShadowVersion() {
        tabular("shadowed");
        tabular("shadowed");
        image("shadowed");
        assertThatThrownBy(() -> registry.setAlias("shadowed", "production", target(1, null, 1), "admin"))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.getMessage()).contains("shadow.version"));
        assertThatThrownBy(() -> registry.setAlias("shadowed", "production", target(1, 2, 2), "admin"))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.getMessage()).contains("shadow.version"));
        assertThatThrownBy(() -> registry.setAlias("shadowed", "production", target(1, null, 9), "admin"))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.getMessage()).contains("does not exist"));
        assertThatThrownBy(() -> registry.setAlias("shadowed", "production", target(1, null, 3), "admin"))
                .isInstanceOfSatisfying(InvalidInput.class, e -> assertThat(e.getMessage()).contains("an alias serves one kind")
                        .contains("shadow.version"));
        assertThat(registry.aliases("shadowed")).isEmpty();
    }

    @Test
    void guardrailAndPromoteAfter_outOfRange_areA400NamingTheField() {
        assertThatThrownBy(() -> new AliasGuardrail(0, 2, 20, 5)).hasMessageContaining("guardrail.max_error_rate_increase");
        assertThatThrownBy(() -> new AliasGuardrail(0.1, -1, 20, 5)).hasMessageContaining("guardrail.max_p95_ratio");
        assertThatThrownBy(() -> new AliasGuardrail(0.1, 2, 0, 5)).hasMessageContaining("guardrail.min_requests");
        assertThatThrownBy(() -> new AliasGuardrail(0.1, 2, 20, 61)).hasMessageContaining("guardrail.window_minutes");
        assertThatThrownBy(() -> new PromoteAfter(0, 5)).hasMessageContaining("promote_after.requests");
        assertThatThrownBy(() -> new PromoteAfter(10, -1)).hasMessageContaining("promote_after.minutes");
    }

    @Test
    void replaceAlias_whenSomebodyChangedTheAliasMeanwhile_leavesTheirChange() {
        tabular("raced");
        tabular("raced");
        tabular("raced");
        ModelAlias read = registry.setAlias("raced", "production", target(1, 2, null), "admin");
        ModelAlias manual = registry.setAlias("raced", "production", target(1, 3, null), "bob");

        Optional<ModelAlias> rolledBack = registry.replaceAlias("raced", "production", read.change(),
                new AliasTarget(1, Optional.empty()), "guardrail", rollback(2, 1));

        assertThat(rolledBack).isEmpty();
        assertThat(registry.aliases("raced")).singleElement().isEqualTo(manual);
    }

    @Test
    void aliasEvents_listChangesRollbacksAndPromotionsNewestFirst_aPageAtATime() {
        tabular("evented");
        tabular("evented");
        tabular("evented");
        ModelAlias first = registry.setAlias("evented", "production", target(1, 2, null), "admin");
        ModelAlias rolledBack = registry.replaceAlias("evented", "production", first.change(),
                new AliasTarget(1, Optional.empty(), OptionalInt.empty(), first.guardrail(), first.promoteAfter()),
                "guardrail", rollback(2, 1)).orElseThrow();
        assertThat(rolledBack.canary()).isEmpty();
        assertThat(rolledBack.guardrail()).contains(GUARDRAIL);
        ModelAlias withCanary = registry.setAlias("evented", "production", target(1, 3, null), "admin");
        registry.replaceAlias("evented", "production", withCanary.change(), AliasTarget.of(3), "guardrail",
                new AliasEvent.Decision(AliasEvent.Kind.PROMOTE, 1, 3, "held", Map.of("canary_requests", 120)))
                .orElseThrow();

        Page<AliasEvent> page = registry.aliasEvents("evented", "production", 3, Optional.empty());
        assertThat(page.items()).extracting(AliasEvent::kind).containsExactly(AliasEvent.Kind.PROMOTE,
                AliasEvent.Kind.CHANGE, AliasEvent.Kind.ROLLBACK);
        assertThat(page.items().get(0).fromVersion()).isEqualTo(1);
        assertThat(page.items().get(0).toVersion()).isEqualTo(3);
        assertThat(page.items().get(0).figures()).containsEntry("canary_requests", 120);
        assertThat(page.items().get(2).fromVersion()).isEqualTo(2);
        assertThat(page.items().get(2).reason()).isEqualTo("canary failed");
        Page<AliasEvent> rest = registry.aliasEvents("evented", "production", 3, page.nextCursor());
        assertThat(rest.items()).extracting(AliasEvent::kind).containsExactly(AliasEvent.Kind.CHANGE);
        assertThat(rest.items().get(0).fromVersion()).isNull();
        assertThat(rest.nextCursor()).isEmpty();
        assertThatThrownBy(() -> registry.aliasEvents("evented", "staging", 3, Optional.empty()))
                .isInstanceOf(NotFound.class);
    }

    static AliasEvent.Decision rollback(int from, int to) {
        return new AliasEvent.Decision(AliasEvent.Kind.ROLLBACK, from, to, "canary failed", Map.of("canary_errors", 9));
    }
}
