package dev.mlapi.imagestore;

import dev.mlapi.core.Wiring;
import dev.mlapi.core.auth.Principal;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.error.ApiException.Forbidden;
import dev.mlapi.core.error.ApiException.InvalidInput;
import dev.mlapi.core.error.ApiException.NotFound;
import dev.mlapi.core.util.Lazy;
import dev.mlapi.imagestore.DynamoDbImageTables.IndexPage;
import dev.mlapi.imagestore.DynamoDbImageTables.KeyRange;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.storage.Sha256;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.Objects;

/**
 * The image library: images (bytes in S3 under {@code images/}, records in DynamoDB), tags and the
 * links between them. Users see and change only their own images (another user's is a 404, as if
 * it did not exist); admins see all. Tag names are one vocabulary (a name is one tag, so admins
 * list and delete it across users), but a user sees only their tags, those they created, adopted
 * ({@code POST /tags} of a name that exists) or put on an image, each with the count of their
 * own images; another user's tag is a 404 to them, as if it did not exist. A user's images
 * count against their {@link ImageQuota}.
 *
 * <p>Writes keep S3 and DynamoDB in step: an upload puts the objects first and then records
 * images, links and tag counts in one transaction, deleting the objects again when anything
 * fails; a delete removes the records (one transaction) before the object. So a reader never
 * finds a record without its object; a crash between the two steps can at worst leave an object
 * no record points at, which no listing shows and {@link ImageSweeper} removes. Large images
 * come through {@link PresignedImageUploads}.
 */
public final class ImageLibrary {

    /** How many images one upload may carry (each also needs a transaction item per tag). */
    public static final int MAX_IMAGES_PER_UPLOAD = 50;
    public static final int MAX_TAGS_PER_IMAGE = 20;
    public static final int MAX_DESCRIPTION_LENGTH = 1000;
    /** A two-tag listing examines at most this many images of its rarest tag per page. */
    static final int MAX_EXAMINED_PER_PAGE = 1000;

    private static final Pattern ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final DynamoDbImageTables tables;
    private final ImageObjects objects;
    private final Supplier<ImageCursor> cursors;
    private final Clock clock;
    private final ImageQuota quota;

    ImageLibrary(DynamoDbImageTables tables, ImageObjects objects, Supplier<ImageCursor> cursors, Clock clock,
            ImageQuota quota) {
        this.tables = tables;
        this.objects = objects;
        this.cursors = cursors;
        this.clock = clock;
        this.quota = quota;
    }

    /** The library over the wiring's DynamoDB client, the registry's bucket and a cursor key from the signing secret. */
    public static ImageLibrary create(Wiring wiring) {
        return create(wiring, ImageObjects.create(RegistrySettings.from(wiring.config())));
    }

    public static ImageLibrary create(Wiring wiring, ImageObjects objects) {
        return new ImageLibrary(DynamoDbImageTables.create(wiring.dynamoDb(), wiring.config().environment()), objects,
                Lazy.of(() -> ImageCursor.withSecret(wiring.signingSecret())), wiring.clock(),
                ImageQuota.from(wiring.config().environment()));
    }

    // ---- images -------------------------------------------------------------------------------

    /**
     * Stores decoded images with the named (existing) tags, all or nothing: an unknown tag, too
     * many images or tags, or a failed write leaves no object and no record.
     */
    public List<ImageView> upload(Principal caller, List<NewImage> images, List<String> tagNames) {
        if (images.isEmpty()) {
            throw InvalidInput.field("image", "send at least one image part named 'image'");
        }
        if (images.size() > MAX_IMAGES_PER_UPLOAD) {
            throw InvalidInput.field("image", "at most " + MAX_IMAGES_PER_UPLOAD + " images per request, got "
                    + images.size());
        }
        Map<String, Tag> tags = existingTags(caller, "tags", tagNames);
        int transactionItems = images.size() * (1 + tags.size()) + 2 * tags.size() + 1;
        if (transactionItems > DynamoDbImageTables.MAX_TRANSACTION_ITEMS) {
            throw new InvalidInput(images.size() + " images with " + tags.size() + " tags are too many for one "
                    + "request (images × (tags + 1) + 2 × tags + 1 must stay within "
                    + DynamoDbImageTables.MAX_TRANSACTION_ITEMS + "); send fewer images at a time");
        }
        ImageQuota limits = quota.forCaller(caller);
        limits.checkFits(images.stream().mapToLong(image -> image.data().length).sum());
        Instant now = clock.instant();
        Set<String> tagIds = new TreeSet<>();
        tags.values().forEach(tag -> tagIds.add(tag.id()));
        List<StoredImage> records = new ArrayList<>();
        for (NewImage image : images) {
            records.add(new StoredImage(UUID.randomUUID().toString(), caller.username(), image.filename(),
                    image.contentType(), image.data().length, image.width(), image.height(), Sha256.hex(image.data()),
                    Optional.empty(), tagIds, List.of(), now, 1));
        }
        List<String> stored = new ArrayList<>();
        try {
            for (int i = 0; i < records.size(); i++) {
                objects.put(records.get(i).id(), images.get(i).data(), records.get(i).contentType());
                stored.add(records.get(i).id());
            }
            tables.insert(records, limits);
        } catch (RuntimeException e) {
            stored.forEach(objects::deleteQuietly);
            throw e;
        }
        return views(records);
    }

    /** A page of the caller's images (an admin's: everyone's, or one owner's), newest first, filtered by tags and time. */
    public ImageList list(Principal caller, ImageQuery query) {
        Optional<String> owner = scope(caller, query.owner());
        String fingerprint = String.join("\n", "images", caller.username(), owner.orElse("*"),
                String.join(",", query.tags().stream().map(t -> TagName.of("tag", t).key()).sorted().toList()),
                Boolean.toString(query.matchAll()), query.from().map(Instant::toString).orElse(""),
                query.to().map(Instant::toString).orElse(""));
        Optional<String> after = query.cursor().map(c -> cursors.get().decode(c, fingerprint));
        KeyRange range = KeyRange.of(query.from(), query.to());
        int limit = query.limit();
        Selection selection;
        if (query.tags().isEmpty()) {
            IndexPage page = tables.imagesByTime(owner, range, after, limit);
            selection = new Selection(page.createdKeys(), page.more() ? last(page.createdKeys()) : Optional.empty());
        } else {
            List<Tag> tags = new ArrayList<>(existingTags(caller, "tag", query.tags()).values());
            selection = tags.size() == 1 || !query.matchAll()
                    ? anyOf(tags, owner, range, after, limit)
                    : allOf(tags, owner, range, after, limit);
        }
        List<StoredImage> images = tables.images(selection.keys().stream().map(CreatedKey::imageId).toList());
        return new ImageList(views(images), selection.next().map(position -> cursors.get().encode(position, fingerprint)));
    }

    /**
     * The ids of every image in scope with the tags (any or all of them), newest first, at most
     * {@code cap} (a batch job reads one more than its limit to know it is over): the caller's
     * images, or for an admin everyone's or {@code owner}'s. 400 for a tag that is not theirs.
     */
    public List<String> matching(Principal caller, Optional<String> owner, String field, List<String> tagNames,
            boolean matchAll, int cap) {
        Optional<String> scope = scope(caller, owner);
        List<Tag> tags = new ArrayList<>(existingTags(caller, field, tagNames).values());
        if (tags.isEmpty()) {
            throw InvalidInput.field(field, "name at least one tag");
        }
        KeyRange range = KeyRange.of(Optional.empty(), Optional.empty());
        List<String> ids = new ArrayList<>();
        Optional<String> after = Optional.empty();
        do {
            int page = Math.min(MAX_EXAMINED_PER_PAGE, cap - ids.size());
            Selection selection = tags.size() == 1 || !matchAll
                    ? anyOf(tags, scope, range, after, page)
                    : allOf(tags, scope, range, after, page);
            selection.keys().forEach(key -> ids.add(CreatedKey.imageId(key)));
            after = selection.next();
        } while (after.isPresent() && ids.size() < cap);
        return ids;
    }

    public ImageView get(Principal caller, String id) {
        return view(readable(caller, id));
    }

    /** Replaces the image's tags (existing ones, by name) and/or its description. */
    public ImageView update(Principal caller, String id, ImageChange change) {
        StoredImage image = readable(caller, id);
        Set<String> tagIds = image.tagIds();
        if (change.tags().isPresent()) {
            if (change.tags().get().size() > MAX_TAGS_PER_IMAGE) {
                throw InvalidInput.field("tags", "at most " + MAX_TAGS_PER_IMAGE + " tags per image");
            }
            tagIds = new TreeSet<>();
            for (Tag tag : existingTags(caller, "tags", change.tags().get()).values()) {
                tagIds.add(tag.id());
            }
            checkChangedTags(image.tagIds(), tagIds);
        }
        Optional<String> description = image.description();
        if (change.description().isPresent()) {
            String text = change.description().get().strip();
            if (text.length() > MAX_DESCRIPTION_LENGTH) {
                throw InvalidInput.field("description", "at most " + MAX_DESCRIPTION_LENGTH + " characters");
            }
            description = text.isEmpty() ? Optional.empty() : Optional.of(text);
        }
        tables.update(image, description, tagIds);
        return view(readable(caller, id));
    }

    /** Deletes the image's record and links (one transaction), then its object. */
    public void delete(Principal caller, String id) {
        StoredImage image = readable(caller, id);
        tables.delete(image);
        objects.deleteQuietly(image.id());
    }

    /** One transaction changes the image, and per tag added or removed its link and two counts. */
    private static void checkChangedTags(Set<String> before, Set<String> after) {
        Set<String> changed = new TreeSet<>(before);
        changed.addAll(after);
        changed.removeIf(id -> before.contains(id) && after.contains(id));
        int maxChanged = (DynamoDbImageTables.MAX_TRANSACTION_ITEMS - 1) / 3;
        if (changed.size() > maxChanged) {
            throw InvalidInput.field("tags", "add and remove at most " + maxChanged + " tags in one change, got "
                    + changed.size() + "; change them in two steps");
        }
    }

    /** The per-user limits of images. */
    ImageQuota quota() {
        return quota;
    }

    /** Large images through presigned PUTs and a commit, within {@code limits}. */
    public PresignedImageUploads presignedUploads(PresignedImageUploads.Limits limits) {
        return new PresignedImageUploads(this, tables, objects, ImageSniffer.withDefaultLimits(), clock, limits);
    }

    /** Removes objects and reservations no record needs any more. */
    public ImageSweeper sweeper() {
        return new ImageSweeper(tables, objects, clock);
    }

    static boolean isImageId(String id) {
        return ID.matcher(id).matches();
    }

    /** The image {@code id} if the caller may see it: 400 for a malformed id, 404 when absent or another user's. */
    public StoredImage readable(Principal caller, String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw InvalidInput.field("id", "is not an image id (a lower-case UUID)");
        }
        return tables.image(id).filter(image -> caller.isAdmin() || image.owner().equals(caller.username()))
                .orElseThrow(() -> new NotFound("no image " + id));
    }

    /** The stored bytes of an image the caller may see. */
    public byte[] bytes(StoredImage image) {
        return objects.read(image.id());
    }

    /**
     * Stores the classifier's labels as the image's suggested tags; with {@code apply} also
     * creates the tags that do not exist and links them all to the image.
     */
    public ImageView suggest(Principal caller, String id, List<SuggestedTag> suggestions, boolean apply) {
        StoredImage image = readable(caller, id);
        tables.suggest(image.id(), suggestions);
        if (apply && !suggestions.isEmpty()) {
            Set<String> tagIds = new TreeSet<>(image.tagIds());
            for (SuggestedTag suggestion : suggestions) {
                TagName name = TagName.of("suggested_tags", suggestion.name().replace(',', ' ').replace('/', ' '));
                tagIds.add(createOrFind(caller, name).id());
            }
            StoredImage current = readable(caller, id);
            if (!current.tagIds().containsAll(tagIds)) {
                if (tagIds.size() > MAX_TAGS_PER_IMAGE) {
                    throw new InvalidInput("applying the suggestions would give the image more than "
                            + MAX_TAGS_PER_IMAGE + " tags");
                }
                checkChangedTags(current.tagIds(), tagIds);
                tables.update(current, current.description(), tagIds);
            }
        }
        return view(readable(caller, id));
    }

    // ---- tags ---------------------------------------------------------------------------------

    /**
     * Creates a tag; a user naming a tag that exists but is not theirs adopts it (201 as well:
     * whether someone else has it is none of their business); 409 when they already have it.
     */
    public TagView createTag(Principal caller, String name) {
        TagName tagName = TagName.of("name", name);
        try {
            return TagView.of(tables.createTag(tagName, caller.username(), clock.instant(), UUID.randomUUID().toString()));
        } catch (Conflict taken) {
            if (caller.isAdmin()) {
                throw taken;
            }
            Tag tag = tables.tagByName(tagName).orElseThrow(() -> taken);
            tables.adoptTag(tag, caller.username());
            return TagView.of(tag, caller.username(), 0);
        }
    }

    /** A tag with everyone's count (admins), or one of the caller's tags with the count of their images. */
    public TagView tag(Principal caller, String name) {
        if (caller.isAdmin()) {
            return TagView.of(existingTag("name", name));
        }
        Tag tag = existingTag("name", name);
        long own = ownCount(caller, tag).orElseThrow(() -> new NotFound("no tag '" + tag.name() + "'"));
        return TagView.of(tag, caller.username(), own);
    }

    /** Every tag with everyone's counts (admins), or the caller's tags with the counts of their images; in name order. */
    public TagList tags(Principal caller, Optional<String> cursor, int limit) {
        String fingerprint = caller.isAdmin() ? "tags" : "tags\n" + caller.username();
        Optional<String> after = cursor.map(c -> cursors.get().decode(c, fingerprint));
        if (caller.isAdmin()) {
            var page = tables.tags(after, limit);
            return new TagList(page.items().stream().map(TagView::of).toList(),
                    page.nextCursor().map(position -> cursors.get().encode(position, fingerprint)));
        }
        var page = tables.tagsOf(caller.username(), after, limit);
        return new TagList(page.items().stream().map(use -> TagView.of(use.tag(), caller.username(), use.ownCount()))
                .toList(), page.nextCursor().map(position -> cursors.get().encode(position, fingerprint)));
    }

    /** Renames a tag (its creator or an admin); every image keeps it, since links name the tag's id. */
    public TagView renameTag(Principal caller, String name, String newName) {
        Tag tag = existingTag("name", name);
        if (!caller.isAdmin() && ownCount(caller, tag).isEmpty()) {
            throw new NotFound("no tag '" + tag.name() + "'");
        }
        if (!caller.isAdmin() && !tag.createdBy().equals(caller.username())) {
            throw new Forbidden("only the tag's creator or an admin may rename it");
        }
        tables.renameTag(tag, TagName.of("name", newName));
        Tag renamed = tables.tag(tag.id()).orElseThrow(() -> new NotFound("tag '" + newName + "' is gone"));
        return caller.isAdmin() ? TagView.of(renamed)
                : TagView.of(renamed, caller.username(), ownCount(caller, renamed).orElse(0L));
    }

    private Optional<Long> ownCount(Principal caller, Tag tag) {
        return Optional.ofNullable(tables.uses(caller.username(), List.of(tag.id())).get(tag.id()));
    }

    /** Unlinks the tag from every image, a page of links at a time, then deletes it (admins; the route says so). */
    public void deleteTag(String name) {
        Tag tag = existingTag("name", name);
        for (int attempt = 0; attempt < 5; attempt++) {
            List<DynamoDbImageTables.Linked> linked;
            while (!(linked = tables.linkedImages(tag.id(), 25)).isEmpty()) {
                linked.forEach(link -> tables.unlink(tag, link));
            }
            if (tables.deleteTagIfUnused(tables.tag(tag.id()).orElse(tag))) {
                return;
            }
        }
        throw new Conflict("images kept being tagged '" + tag.name() + "' while it was deleted; retry");
    }

    // ---- helpers ------------------------------------------------------------------------------

    /** The tag named, created if new and made the caller's if it is not yet (linking it would make it theirs anyway). */
    private Tag createOrFind(Principal caller, TagName name) {
        Optional<Tag> existing = tables.tagByName(name);
        if (existing.isEmpty()) {
            try {
                return tables.createTag(name, caller.username(), clock.instant(), UUID.randomUUID().toString());
            } catch (Conflict raced) {
                existing = Optional.of(tables.tagByName(name).orElseThrow(() -> raced));
            }
        }
        Tag tag = existing.get();
        if (!caller.isAdmin() && ownCount(caller, tag).isEmpty()) {
            try {
                tables.adoptTag(tag, caller.username());
            } catch (Conflict alreadyTheirs) {
                // adopted by a concurrent call
            }
        }
        return tag;
    }

    private Tag existingTag(String field, String name) {
        TagName tagName = TagName.of(field, name);
        return tables.tagByName(tagName).orElseThrow(() -> new NotFound("no tag '" + tagName.name() + "'"));
    }

    /** The tags named, by normalised name; 400 naming the first that does not exist (for a user: is not theirs). */
    Map<String, Tag> existingTags(Principal caller, String field, List<String> names) {
        Map<String, TagName> wanted = new LinkedHashMap<>();
        for (String raw : names) {
            TagName name = TagName.of(field, raw);
            wanted.putIfAbsent(name.key(), name);
        }
        if (wanted.size() > MAX_TAGS_PER_IMAGE) {
            throw InvalidInput.field(field, "at most " + MAX_TAGS_PER_IMAGE + " tags");
        }
        Map<String, String> ids = new HashMap<>(tables.tagIdsByKey(wanted.keySet()));
        if (!caller.isAdmin() && !ids.isEmpty()) {
            Set<String> own = tables.uses(caller.username(), ids.values()).keySet();
            ids.values().removeIf(id -> !own.contains(id));
        }
        for (TagName name : wanted.values()) {
            if (!ids.containsKey(name.key())) {
                throw InvalidInput.field(field, "unknown tag '" + name.name() + "'; create it first with POST /tags");
            }
        }
        Map<String, Tag> byId = tables.tagsById(ids.values());
        Map<String, Tag> tags = new LinkedHashMap<>();
        for (TagName name : wanted.values()) {
            Tag tag = byId.get(ids.get(name.key()));
            if (tag == null) {
                throw InvalidInput.field(field, "unknown tag '" + name.name() + "'");
            }
            tags.put(name.key(), tag);
        }
        return tags;
    }

    /** A user lists their own images; an admin anyone's (or everyone's). */
    private static Optional<String> scope(Principal caller, Optional<String> owner) {
        if (caller.isAdmin()) {
            return owner;
        }
        if (owner.isPresent() && !owner.get().equals(caller.username())) {
            throw new Forbidden("only admins may list another user's images");
        }
        return Optional.of(caller.username());
    }

    /** What a listing selected: created keys (newest first) and the position to resume after, if more may follow. */
    private record Selection(List<String> keys, Optional<String> next) {
    }

    /**
     * Images with any of the tags: the newest {@code limit} of each tag's index, merged. Nothing
     * beyond a tag's page can be among the newest {@code limit} of the union, so the page is exact.
     */
    private Selection anyOf(List<Tag> tags, Optional<String> owner, KeyRange range, Optional<String> after, int limit) {
        TreeSet<String> merged = new TreeSet<>(Comparator.reverseOrder());
        boolean more = false;
        for (Tag tag : tags) {
            IndexPage page = tables.imagesWithTag(tag.id(), owner, range, after, limit);
            merged.addAll(page.createdKeys());
            more |= page.more();
        }
        List<String> keys = merged.stream().limit(limit).toList();
        more |= merged.size() > limit;
        return new Selection(keys, more && !keys.isEmpty() ? last(keys) : Optional.empty());
    }

    /**
     * Images with all the tags: walk the index of the rarest tag (fewest images) newest first and
     * keep the images that carry the others too, reading at most {@link #MAX_EXAMINED_PER_PAGE}
     * links per page (a page may then come back short, with a cursor).
     */
    private Selection allOf(List<Tag> tags, Optional<String> owner, KeyRange range, Optional<String> after, int limit) {
        List<Tag> byCount = tags.stream().sorted(Comparator.comparingLong(Tag::imageCount)).toList();
        Tag rarest = byCount.get(0);
        Set<String> others = new TreeSet<>();
        byCount.subList(1, byCount.size()).forEach(tag -> others.add(tag.id()));
        List<String> keys = new ArrayList<>();
        Optional<String> position = after;
        int examined = 0;
        int batch = Math.max(limit, 50);
        while (true) {
            IndexPage page = tables.imagesWithTag(rarest.id(), owner, range, position, batch);
            List<StoredImage> candidates = tables.images(page.createdKeys().stream().map(CreatedKey::imageId).toList());
            Map<String, StoredImage> byId = new LinkedHashMap<>();
            candidates.forEach(image -> byId.put(image.id(), image));
            for (int i = 0; i < page.createdKeys().size(); i++) {
                String key = page.createdKeys().get(i);
                StoredImage image = byId.get(CreatedKey.imageId(key));
                examined++;
                position = Optional.of(key);
                if (image != null && image.tagIds().containsAll(others)) {
                    keys.add(key);
                    if (keys.size() == limit) {
                        boolean more = i < page.createdKeys().size() - 1 || page.more();
                        return new Selection(keys, more ? position : Optional.empty());
                    }
                }
            }
            if (!page.more()) {
                return new Selection(keys, Optional.empty());
            }
            if (examined >= MAX_EXAMINED_PER_PAGE) {
                return new Selection(keys, position);
            }
        }
    }

    private static Optional<String> last(List<String> keys) {
        return keys.isEmpty() ? Optional.empty() : Optional.of(keys.get(keys.size() - 1));
    }

    private List<ImageView> views(List<StoredImage> images) {
        Set<String> tagIds = new TreeSet<>();
        images.forEach(image -> tagIds.addAll(image.tagIds()));
        Map<String, Tag> tags = tagIds.isEmpty() ? Map.of() : tables.tagsById(tagIds);
        return images.stream().map(image -> view(image, tags)).toList();
    }

    ImageView view(StoredImage image) {
        return views(List.of(image)).get(0);
    }

    private ImageView view(StoredImage image, Map<String, Tag> tags) {
        List<String> names = image.tagIds().stream().map(tags::get).filter(Objects::nonNull)
                .map(Tag::name).sorted(String.CASE_INSENSITIVE_ORDER).toList();
        Instant expires = clock.instant().plus(ImageObjects.URL_LIFETIME);
        return new ImageView(image.id(), image.filename(), image.contentType(), image.bytes(), image.width(),
                image.height(), image.sha256(), names, image.description(), image.suggestedTags(), image.owner(),
                image.createdAt().toString(), objects.downloadUrl(image).toString(), expires.toString());
    }
}
