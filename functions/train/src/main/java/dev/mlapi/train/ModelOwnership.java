package dev.mlapi.train;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.page.Page;
import dev.mlapi.registry.Manifest;
import dev.mlapi.registry.ModelCatalog;
import java.util.Optional;

/**
 * A model name belongs to the user who created its first version still in the registry: others
 * (except admins) may not train new versions of it.
 */
final class ModelOwnership {

    private static final int PAGE = 100;

    private final ModelCatalog catalog;

    ModelOwnership(ModelCatalog catalog) {
        this.catalog = catalog;
    }

    void requireMayTrain(Principal caller, String modelName) {
        if (caller.isAdmin()) {
            return;
        }
        Optional<String> creator = creatorOf(modelName);
        if (creator.isPresent() && !creator.get().equals(caller.username())) {
            throw new Forbidden("the model '" + modelName + "' belongs to another user; choose another model_name"
                    + " (only its creator or an admin may train new versions of it)");
        }
    }

    /** Who registered the oldest committed version; empty for a name with none. */
    Optional<String> creatorOf(String modelName) {
        Optional<String> cursor = Optional.empty();
        Manifest oldest = null;
        try {
            do {
                Page<Manifest> page = catalog.versions(modelName, PAGE, cursor);
                if (!page.items().isEmpty()) {
                    oldest = page.items().get(page.items().size() - 1);
                }
                cursor = page.nextCursor();
            } while (cursor.isPresent());
        } catch (NotFound noSuchModel) {
            return Optional.empty();
        }
        return Optional.ofNullable(oldest).map(Manifest::createdBy);
    }
}
