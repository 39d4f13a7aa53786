package dev.mlapi.core.compat;

import dev.mlapi.core.compat.django.DjangoRoutes;
import dev.mlapi.core.compat.drf.DrfRoutes;
import dev.mlapi.core.compat.registry.RegistryRoutes;
import dev.mlapi.core.compat.resnet.ResnetRoutes;
import dev.mlapi.core.compat.trainer.TrainerRoutes;
import dev.mlapi.core.http.AdaptedRoute;
import java.util.List;
import java.util.stream.Stream;

/**
 * The compatibility groups: each source system's documented routes under {@code /compat/<system>},
 * served by the native routes of the same functions through thin adapters (one package per
 * system). {@code Wiring.pipeline()} gives them to every function, which serves those whose
 * native route it declares.
 */
public final class CompatRoutes {

    public static final List<AdaptedRoute> ALL = Stream.of(DjangoRoutes.ROUTES, ResnetRoutes.ROUTES,
            RegistryRoutes.ROUTES, TrainerRoutes.ROUTES, DrfRoutes.ROUTES).flatMap(List::stream).toList();

    private CompatRoutes() {
    }
}
