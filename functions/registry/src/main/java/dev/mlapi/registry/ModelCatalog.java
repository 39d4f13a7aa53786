package dev.mlapi.registry;

import dev.mlapi.core.page.Page;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The browsing side of the model registry: names, versions, aliases, pending uploads, download links. */
public interface ModelCatalog {

    /** Models with at least one committed version, by name; {@code cursor} is the previous page's. */
    Page<ModelSummary> listModels(int limit, Optional<String> cursor);

    /** Committed versions of {@code name}, newest first; a 404 if the model has neither versions nor pending uploads. */
    Page<Manifest> versions(String name, int limit, Optional<String> cursor);

    /** Every alias of {@code name}, by alias name. */
    List<ModelAlias> aliases(String name);

    /**
     * The changes of one alias, newest first: changes somebody made, rollbacks and promotions;
     * {@code cursor} is the previous page's. A 404 for an unknown alias.
     */
    Page<AliasEvent> aliasEvents(String name, String alias, int limit, Optional<String> cursor);

    /** Reserved versions of {@code name} still waiting for their commit. */
    List<PendingVersion> pendingVersions(String name);

    /** A time-limited GET URL for every file of {@code manifest}. */
    List<DownloadUrl> downloadUrls(Manifest manifest, Duration validFor);
}
