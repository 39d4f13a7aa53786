package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;

/**
 * The registry's S3 key layout (see {@link S3ModelRegistry} and {@code docs/REGISTRY.md}). Every
 * key is built here from a checked name, so none can leave its model's prefix.
 */
final class RegistryKeys {

    static final String ROOT = "models/";

    private RegistryKeys() {
    }

    static String modelFolder(String name) {
        return ROOT + ModelRef.requireName("name", name) + "/";
    }

    static String claimsFolder(String name) {
        return modelFolder(name) + "claims/";
    }

    static String pendingFolder(String name) {
        return modelFolder(name) + "pending/";
    }

    static String manifestsFolder(String name) {
        return modelFolder(name) + "manifests/";
    }

    static String aliasesFolder(String name) {
        return modelFolder(name) + "aliases/";
    }

    static String filesFolder(String name, int version) {
        return modelFolder(name) + "files/" + pad(version) + "/";
    }

    static String claimKey(String name, int version) {
        return claimsFolder(name) + pad(version);
    }

    static String pendingKey(String name, int version) {
        return pendingFolder(name) + pad(version) + ".json";
    }

    static String manifestKey(String name, int version) {
        return manifestsFolder(name) + pad(version) + ".json";
    }

    static String fileKey(String name, int version, String file) {
        return filesFolder(name, version) + ModelFile.requireFileName("file", file);
    }

    static String aliasKey(String name, String alias) {
        return aliasesFolder(name) + ModelRef.requireName("alias", alias) + ".json";
    }

    /** The version in a claim, pending or manifest key; {@code NumberFormatException} for anything else. */
    static int versionOf(String key) {
        String last = key.substring(key.lastIndexOf('/') + 1);
        int dot = last.indexOf('.');
        return Integer.parseInt(dot < 0 ? last : last.substring(0, dot));
    }

    /** Ten digits, so that key order is version order. */
    private static String pad(int version) {
        if (version < 1) {
            throw InvalidInput.field("version", "must be a positive integer");
        }
        return String.format("%010d", version);
    }
}
