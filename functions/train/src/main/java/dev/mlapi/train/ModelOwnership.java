package dev.mlapi.train;

import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.registry.ModelRegistryWriter;

/**
 * A model name belongs to whoever claimed it first in the registry (see
 * {@link ModelRegistryWriter#claimOwner}): a training job claims a free name for its user when
 * it is accepted, so of two users racing for a new name exactly one gets it, and the worker
 * checks the claim again right before it registers a version or moves an alias. Others (except
 * admins) may not train into a name.
 */
final class ModelOwnership {

    private final ModelRegistryWriter registry;

    ModelOwnership(ModelRegistryWriter registry) {
        this.registry = registry;
    }

    /**
     * At submit: claims {@code modelName} for the caller if it is free and returns its owner, the
     * one the job trains for; a 403 if it is another user's (admins may train into any name, which
     * stays its owner's).
     */
    String claimForTraining(Principal caller, String modelName) {
        String owner = registry.claimOwner(modelName, caller.username());
        if (!owner.equals(caller.username()) && !caller.isAdmin()) {
            throw new Forbidden(belongsToAnother(modelName) + "; choose another model_name"
                    + " (only its owner or an admin may train new versions of it)");
        }
        return owner;
    }

    /** In the worker, right before a registry write: a 403 unless {@code modelName} is still {@code expectedOwner}'s. */
    void requireStillOwned(String modelName, String expectedOwner) {
        String owner = registry.claimOwner(modelName, expectedOwner);
        if (!owner.equals(expectedOwner)) {
            throw new Forbidden(belongsToAnother(modelName) + "; nothing was registered under it");
        }
    }

    static String belongsToAnother(String modelName) {
        return "model name '" + modelName + "' belongs to another user";
    }
}
