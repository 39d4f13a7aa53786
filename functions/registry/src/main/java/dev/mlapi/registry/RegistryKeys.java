package dev.mlapi.registry;

import dev.mlapi.core.error.ApiException.InvalidInput;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    static String ownerKey(String name) {
        return modelFolder(name) + "owner.json";
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

    /** {@code models/{name}/alias-changes/{alias}/{n}.json}: the n-th change of an alias, created once. */
    static String aliasChangeKey(String name, String alias, int change) {
        return modelFolder(name) + "alias-changes/" + ModelRef.requireName("alias", alias) + "/" + pad(change) + ".json";
    }

    /** What a key of the layout holds. */
    enum Kind {
        CLAIM, PENDING, FILE, MANIFEST, ALIAS, OWNER, ALIAS_CHANGE
    }

    /**
     * A key of the documented layout, parsed: its model, its version (claims, pending uploads,
     * files, manifests) and its alias or file name.
     */
    record Parsed(Kind kind, String model, int version, String item) {
    }

    private static final String NAME_GROUP = "([a-z0-9][a-z0-9._-]{0,63})";
    private static final Pattern LAYOUT = Pattern.compile(Pattern.quote(ROOT) + NAME_GROUP + "/(?:"
            + "(owner\\.json)"
            + "|claims/(\\d{10})"
            + "|pending/(\\d{10})\\.json"
            + "|manifests/(\\d{10})\\.json"
            + "|aliases/" + NAME_GROUP + "\\.json"
            + "|files/(\\d{10})/([A-Za-z0-9][A-Za-z0-9._-]{0,127})"
            + "|alias-changes/" + NAME_GROUP + "/(\\d{10})\\.json)");
    /** What S3Proxy's filesystem store leaves of a write cut short: the key, a dash and a random UUID. */
    private static final Pattern PARTIAL_WRITE = Pattern.compile(
            "(.+)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /**
     * Parses {@code key} strictly by the layout: exactly ten digits for a version (at least 1, at
     * most {@link Integer#MAX_VALUE}), names and file names as written, no {@code ..}; empty for
     * anything else (another top-level prefix, a temporary file of the store, a foreign object).
     */
    static Optional<Parsed> parse(String key) {
        Matcher m = LAYOUT.matcher(key);
        if (!m.matches() || key.contains("..")) {
            return Optional.empty();
        }
        String model = m.group(1);
        Parsed parsed;
        if (m.group(2) != null) {
            return Optional.of(new Parsed(Kind.OWNER, model, 0, null));
        } else if (m.group(3) != null) {
            parsed = new Parsed(Kind.CLAIM, model, version(m.group(3)), null);
        } else if (m.group(4) != null) {
            parsed = new Parsed(Kind.PENDING, model, version(m.group(4)), null);
        } else if (m.group(5) != null) {
            parsed = new Parsed(Kind.MANIFEST, model, version(m.group(5)), null);
        } else if (m.group(6) != null) {
            parsed = new Parsed(Kind.ALIAS, model, 0, m.group(6));
        } else if (m.group(7) != null) {
            parsed = new Parsed(Kind.FILE, model, version(m.group(7)), m.group(8));
        } else {
            parsed = new Parsed(Kind.ALIAS_CHANGE, model, version(m.group(10)), m.group(9));
        }
        return parsed.kind() != Kind.ALIAS && parsed.version() < 1 ? Optional.empty() : Optional.of(parsed);
    }

    /**
     * True if {@code key} is what the local S3 server leaves of an interrupted write to a key of the
     * layout ({@code manifests/0000000002.json-<uuid>}), which the store never completed. A file's
     * partial write can look like a valid file name: those are told apart by their version's file
     * list instead.
     */
    static boolean isPartialWrite(String key) {
        Matcher m = PARTIAL_WRITE.matcher(key);
        return m.matches() && parse(key).isEmpty() && parse(m.group(1)).isPresent();
    }

    private static int version(String digits) {
        long version = Long.parseLong(digits);
        return version > Integer.MAX_VALUE ? 0 : (int) version;
    }

    /** Ten digits, so that key order is version order. */
    private static String pad(int version) {
        if (version < 1) {
            throw InvalidInput.field("version", "must be a positive integer");
        }
        return String.format("%010d", version);
    }
}
