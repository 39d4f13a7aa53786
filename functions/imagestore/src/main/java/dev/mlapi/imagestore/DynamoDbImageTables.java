package dev.mlapi.imagestore;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.config.Environment;
import dev.mlapi.core.aws.Transactions;
import dev.mlapi.core.error.ApiException.Conflict;
import dev.mlapi.core.page.Page;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;
import java.time.Duration;
import java.util.Objects;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The image library's three tables, one item mapper each, and every write that touches more than
 * one item as one DynamoDB transaction (an image, its tag links and the tags' counts change
 * together or not at all).
 *
 * <ul>
 *   <li>images ({@code id}): the record; indexes {@code by_owner} (owner, created key) and
 *       {@code by_time} ({@code listing = "all"}, created key);
 *   <li>tags ({@code key}): {@code id#<tag id>} holds the name and image count (index
 *       {@code by_name}: {@code listing = "tag"}, normalised name); {@code name#<normalised name>}
 *       guards the name's uniqueness and points at the id;
 *   <li>image tags ({@code link = <tag id>#<image id>}): indexes {@code by_tag} (tag id, created
 *       key) and {@code by_owner_tag} ({@code <owner>#<tag id>}, created key).
 * </ul>
 *
 * <p>Per user: {@code use#<owner>#<tag id>} in the tags table is that user's tag (listing
 * {@code tag#<owner>} in {@code by_name}, so a user lists only their tags) with the count of
 * their images (changed in the same transaction as the links; the tag's {@code used_by} set
 * names the users, for a rename or a delete to reach their items). {@code usage#<owner>} in the
 * images table holds the bytes of their stored images and their live reservations, changed in
 * the same transaction as the images and conditional on the user's quota.
 *
 * <p>A presigned upload waiting for its commit is an item of the images table too, under the id
 * its image will get: {@code listing = "pending"} and its uploader in {@code uploader}, not
 * {@code owner}, so it is in no listing but the sweeper's (index {@code by_time}, partition
 * {@code pending}, oldest first). Its commit replaces it with the image in the same transaction
 * that links the tags.
 */
public final class DynamoDbImageTables {

    /** DynamoDB's limit of items in one transaction. */
    public static final int MAX_TRANSACTION_ITEMS = 100;
    /** How often a transaction cancelled by a concurrent one (and nothing else) is tried again. */
    private static final int MAX_CONFLICT_RETRIES = 6;

    static final String ID = "id";
    static final String OWNER = "owner";
    static final String LISTING = "listing";
    static final String CREATED_KEY = "created_key";
    static final String CREATED_AT = "created_at";
    static final String FILENAME = "filename";
    static final String CONTENT_TYPE = "content_type";
    static final String BYTES = "bytes";
    static final String WIDTH = "width";
    static final String HEIGHT = "height";
    static final String SHA256 = "sha256";
    static final String DESCRIPTION = "description";
    static final String TAG_IDS = "tag_ids";
    static final String SUGGESTED_TAGS = "suggested_tags";
    static final String VERSION = "version";
    static final String UPLOADER = "uploader";
    static final String EXPIRES_AT = "expires_at";
    /** The table's TTL attribute (epoch seconds): DynamoDB deletes a reservation a day after it expired. */
    static final String PURGE_AT = TableCatalog.IMAGES.ttlAttribute().orElseThrow();
    static final Duration PURGE_AFTER_EXPIRY = Duration.ofDays(1);

    static final String KEY = "key";
    static final String TAG_ID = "tag_id";
    static final String NAME = "name";
    static final String NAME_KEY = "name_key";
    static final String IMAGE_COUNT = "image_count";
    static final String CREATED_BY = "created_by";

    static final String USED_BY = "used_by";
    static final String STORED_BYTES = "stored_bytes";
    static final String PENDING_UPLOADS = "pending_uploads";
    static final String USAGE_VERSION = "usage_version";

    static final String LINK = "link";
    static final String IMAGE_ID = "image_id";
    static final String OWNER_TAG = "owner_tag";

    private static final String ALL_IMAGES = "all";
    private static final String PENDING = "pending";
    private static final String ALL_TAGS = "tag";
    /** The images table's item of one user's usage: stored bytes and live reservations. */
    private static final String USAGE = "usage#";
    /** The tags table's item of one user's use of one tag: their image count, in their tag listing. */
    private static final String USE = "use#";

    private final DynamoDbClient dynamoDb;
    private final String images;
    private final String tags;
    private final String links;

    public DynamoDbImageTables(DynamoDbClient dynamoDb, String images, String tags, String links) {
        this.dynamoDb = dynamoDb;
        this.images = images;
        this.tags = tags;
        this.links = links;
    }

    public static DynamoDbImageTables create(DynamoDbClient dynamoDb, Environment environment) {
        return new DynamoDbImageTables(dynamoDb, environment.tableName(TableCatalog.IMAGES),
                environment.tableName(TableCatalog.TAGS), environment.tableName(TableCatalog.IMAGE_TAGS));
    }

    // ---- images -------------------------------------------------------------------------------

    Optional<StoredImage> image(String id) {
        var item = dynamoDb.getItem(r -> r.tableName(images).key(Map.of(ID, s(id))).consistentRead(true)).item();
        return item == null || item.isEmpty() || isPending(item) ? Optional.empty() : Optional.of(toImage(item));
    }

    /** The images of {@code ids} that exist, in the order of {@code ids}. */
    List<StoredImage> images(List<String> ids) {
        Map<String, StoredImage> found = new HashMap<>();
        batchGet(images, ids.stream().distinct().map(id -> Map.of(ID, s(id))).toList()).stream()
                .filter(item -> !isPending(item))
                .forEach(item -> found.put(item.get(ID).s(), toImage(item)));
        return ids.stream().map(found::get).filter(Objects::nonNull).toList();
    }

    /**
     * Records new images and links them to their tags in one transaction; every tag must still
     * exist (its count goes up by the images linked). 409 when a tag was deleted meanwhile.
     */
    void insert(List<StoredImage> added, ImageQuota quota) {
        String owner = added.get(0).owner();
        List<TransactWriteItem> writes = new ArrayList<>();
        long bytes = added.stream().mapToLong(StoredImage::bytes).sum();
        writes.add(addStoredBytes(owner, bytes, Optional.empty(), quota));
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (StoredImage image : added) {
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(images).item(imageItem(image))
                    .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))).build());
            for (String tagId : image.tagIds()) {
                writes.add(putLink(image, tagId));
                counts.merge(tagId, 1, Integer::sum);
            }
        }
        Map<String, Tag> named = tagsById(counts.keySet());
        counts.forEach((tagId, n) -> {
            writes.add(countTag(tagId, n, owner));
            writes.add(countUse(owner, tagId, keyOf(named, tagId), n));
        });
        transact(writes, "a tag was deleted while the images were uploaded; nothing was stored",
                Optional.of(conflict -> quota.tooManyBytes(usage(owner).storedBytes(), bytes)));
    }

    // ---- pending uploads ----------------------------------------------------------------------

    /**
     * Records reservations (new ids, so each put is conditional on the id being free) and counts
     * them in the uploader's usage, in one transaction conditional on the usage being as read:
     * 429 when the user's live reservations would exceed the quota.
     */
    void reserve(List<PendingImage> reservations, ImageQuota quota, Instant now) {
        String owner = reservations.get(0).owner();
        for (int attempt = 0; ; attempt++) {
            Usage usage = usage(owner);
            Map<String, Instant> live = new LinkedHashMap<>();
            usage.pending().forEach((id, expires) -> {
                if (expires.isAfter(now)) {
                    live.put(id, expires);
                }
            });
            quota.checkPending(live, reservations.size(), now);
            reservations.forEach(p -> live.put(p.uploadId(), p.expiresAt()));
            Map<String, AttributeValue> map = new HashMap<>();
            live.forEach((id, expires) -> map.put(id, n(expires.getEpochSecond())));
            List<TransactWriteItem> writes = new ArrayList<>();
            writes.add(TransactWriteItem.builder().update(u -> u.tableName(images).key(Map.of(ID, s(USAGE + owner)))
                    .updateExpression("SET #p = :p, #v = :next")
                    .conditionExpression(usage.version() == 0 ? "attribute_not_exists(#v)" : "#v = :v")
                    .expressionAttributeNames(Map.of("#p", PENDING_UPLOADS, "#v", USAGE_VERSION))
                    .expressionAttributeValues(usage.version() == 0
                            ? Map.of(":p", AttributeValue.builder().m(map).build(), ":next", n(1))
                            : Map.of(":p", AttributeValue.builder().m(map).build(), ":next", n(usage.version() + 1),
                                    ":v", n(usage.version())))).build());
            reservations.forEach(p -> writes.add(TransactWriteItem.builder().put(r -> r.tableName(images)
                    .item(pendingItem(p)).conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ID))).build()));
            try {
                transact(writes, "upload ids are taken; retry", Optional.of(conflict -> new UsageChanged()));
                return;
            } catch (UsageChanged raced) {
                if (attempt == 4) {
                    throw new Conflict("your uploads kept changing while these were reserved; retry");
                }
            }
        }
    }

    /** The usage item changed between its read and the transaction that counted on it. */
    private static final class UsageChanged extends RuntimeException {
        UsageChanged() {
            super(null, null, false, false);
        }
    }

    /** What a user's images take: stored bytes, live and expired reservations (upload id → expiry), and the item's version. */
    record Usage(long storedBytes, Map<String, Instant> pending, long version) {
    }

    Usage usage(String owner) {
        var item = dynamoDb.getItem(r -> r.tableName(images).key(Map.of(ID, s(USAGE + owner))).consistentRead(true)).item();
        if (item == null || item.isEmpty()) {
            return new Usage(0, Map.of(), 0);
        }
        Map<String, Instant> pending = new LinkedHashMap<>();
        if (item.containsKey(PENDING_UPLOADS)) {
            item.get(PENDING_UPLOADS).m().forEach((id, expires) -> pending.put(id,
                    Instant.ofEpochSecond(Long.parseLong(expires.n()))));
        }
        return new Usage(item.containsKey(STORED_BYTES) ? Long.parseLong(item.get(STORED_BYTES).n()) : 0, pending,
                item.containsKey(USAGE_VERSION) ? Long.parseLong(item.get(USAGE_VERSION).n()) : 0);
    }

    /** Adds {@code delta} bytes to the owner's stored bytes, releasing {@code uploadId}'s reservation; conditional on the quota when adding. */
    private TransactWriteItem addStoredBytes(String owner, long delta, Optional<String> uploadId, ImageQuota quota) {
        Map<String, String> names = new HashMap<>(Map.of("#b", STORED_BYTES));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":d", n(delta)));
        String expression = "ADD #b :d";
        if (uploadId.isPresent()) {
            names.put("#p", PENDING_UPLOADS);
            names.put("#u", uploadId.get());
            names.put("#v", USAGE_VERSION);
            values.put(":one", n(1));
            expression += ", #v :one REMOVE #p.#u";
        }
        String condition = null;
        if (delta > 0 && quota.maxBytes().isPresent()) {
            quota.checkFits(delta);
            values.put(":room", n(quota.maxBytes().get() - delta));
            condition = "attribute_not_exists(#b) OR #b <= :room";
        }
        String finalExpression = expression;
        String finalCondition = condition;
        return TransactWriteItem.builder().update(u -> u.tableName(images).key(Map.of(ID, s(USAGE + owner)))
                .updateExpression(finalExpression).conditionExpression(finalCondition)
                .expressionAttributeNames(names).expressionAttributeValues(values)).build();
    }

    /** Forgets a reservation in its uploader's usage (after a failed or expired commit). */
    void releasePending(String owner, String uploadId) {
        if (!usage(owner).pending().containsKey(uploadId)) {
            return;
        }
        dynamoDb.updateItem(r -> r.tableName(images).key(Map.of(ID, s(USAGE + owner)))
                .updateExpression("REMOVE #p.#u ADD #v :one")
                .expressionAttributeNames(Map.of("#p", PENDING_UPLOADS, "#u", uploadId, "#v", USAGE_VERSION))
                .expressionAttributeValues(Map.of(":one", n(1))));
    }

    private static Map<String, AttributeValue> pendingItem(PendingImage pending) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(pending.uploadId()));
        item.put(LISTING, s(PENDING));
        item.put(CREATED_KEY, s(CreatedKey.of(pending.createdAt(), pending.uploadId())));
        item.put(CREATED_AT, s(pending.createdAt().toString()));
        item.put(EXPIRES_AT, s(pending.expiresAt().toString()));
        // never swept (no sweeper ran in AWS): DynamoDB's TTL removes it, as the bucket's lifecycle rule does its object
        item.put(PURGE_AT, n(pending.expiresAt().plus(PURGE_AFTER_EXPIRY).getEpochSecond()));
        item.put(UPLOADER, s(pending.owner()));
        item.put(FILENAME, s(pending.filename()));
        item.put(BYTES, n(pending.size()));
        item.put(SHA256, s(pending.sha256()));
        if (!pending.tagIds().isEmpty()) {
            item.put(TAG_IDS, AttributeValue.builder().ss(pending.tagIds()).build());
        }
        return item;
    }

    Optional<PendingImage> pending(String uploadId) {
        var item = dynamoDb.getItem(r -> r.tableName(images).key(Map.of(ID, s(uploadId))).consistentRead(true)).item();
        if (item == null || item.isEmpty() || !isPending(item)) {
            return Optional.empty();
        }
        return Optional.of(new PendingImage(item.get(ID).s(), item.get(UPLOADER).s(), item.get(FILENAME).s(),
                Long.parseLong(item.get(BYTES).n()), item.get(SHA256).s(),
                item.containsKey(TAG_IDS) ? new TreeSet<>(item.get(TAG_IDS).ss()) : Set.of(),
                Instant.parse(item.get(CREATED_AT).s()), Instant.parse(item.get(EXPIRES_AT).s())));
    }

    /** Removes a reservation; never an image that took its id meanwhile. */
    void deletePending(String uploadId) {
        try {
            dynamoDb.deleteItem(r -> r.tableName(images).key(Map.of(ID, s(uploadId)))
                    .conditionExpression("#l = :pending").expressionAttributeNames(Map.of("#l", LISTING))
                    .expressionAttributeValues(Map.of(":pending", s(PENDING))));
        } catch (ConditionalCheckFailedException e) {
            // Already committed or already removed: nothing of the reservation is left either way.
        }
    }

    /**
     * One page of the reservations created at or before {@code before}, after the created key
     * {@code after}: their created keys ({@link CreatedKey#imageId} is the upload id).
     */
    IndexPage pendingCreatedBefore(Instant before, Optional<String> after, int limit) {
        return query(images, TableCatalog.IMAGES_BY_TIME, LISTING, PENDING, new KeyRange("0", CreatedKey.highest(before)),
                after, limit, key -> Map.of(ID, s(CreatedKey.imageId(key)), LISTING, s(PENDING), CREATED_KEY, s(key)));
    }

    /**
     * Replaces a reservation by its image, links it to its tags and counts them, in one
     * transaction: 409 when the reservation is gone (committed by a concurrent call) or a tag was
     * deleted meanwhile.
     */
    void commit(StoredImage image, ImageQuota quota) {
        List<TransactWriteItem> writes = new ArrayList<>();
        Optional<String> reserved = usage(image.owner()).pending().containsKey(image.id())
                ? Optional.of(image.id()) : Optional.empty();
        writes.add(addStoredBytes(image.owner(), image.bytes(), reserved, quota));
        writes.add(TransactWriteItem.builder().put(p -> p.tableName(images).item(imageItem(image))
                .conditionExpression("#l = :pending AND #u = :owner")
                .expressionAttributeNames(Map.of("#l", LISTING, "#u", UPLOADER))
                .expressionAttributeValues(Map.of(":pending", s(PENDING), ":owner", s(image.owner())))).build());
        Map<String, Tag> named = tagsById(image.tagIds());
        for (String tagId : image.tagIds()) {
            writes.add(putLink(image, tagId));
            writes.add(countTag(tagId, 1, image.owner()));
            writes.add(countUse(image.owner(), tagId, keyOf(named, tagId), 1));
        }
        transact(writes, "the upload was committed by another request, or one of its tags was deleted meanwhile",
                Optional.of(conflict -> quota.tooManyBytes(usage(image.owner()).storedBytes(), image.bytes())));
    }

    private static boolean isPending(Map<String, AttributeValue> item) {
        return item.containsKey(LISTING) && PENDING.equals(item.get(LISTING).s());
    }

    private void batchWrite(String table, List<WriteRequest> writes) {
        for (int start = 0; start < writes.size(); start += 25) {
            Map<String, List<WriteRequest>> pending = Map.of(table, writes.subList(start, Math.min(writes.size(), start + 25)));
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                Map<String, List<WriteRequest>> request = pending;
                var response = dynamoDb.batchWriteItem(r -> r.requestItems(request));
                pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
                if (!pending.isEmpty()) {
                    backOff(attempt);
                }
            }
        }
    }

    /** Replaces an image's tags and description if nobody changed it since {@code before} was read. */
    void update(StoredImage before, Optional<String> description, Set<String> tagIds) {
        List<TransactWriteItem> writes = new ArrayList<>();
        Map<String, String> names = new HashMap<>(Map.of("#v", VERSION, "#d", DESCRIPTION, "#t", TAG_IDS));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":v", n(before.version()), ":one", n(1)));
        List<String> sets = new ArrayList<>(List.of("#v = #v + :one"));
        List<String> removes = new ArrayList<>();
        if (description.isPresent()) {
            sets.add("#d = :d");
            values.put(":d", s(description.get()));
        } else {
            removes.add("#d");
        }
        if (tagIds.isEmpty()) {
            removes.add("#t");
        } else {
            sets.add("#t = :t");
            values.put(":t", AttributeValue.builder().ss(tagIds).build());
        }
        String expression = "SET " + String.join(", ", sets) + (removes.isEmpty() ? "" : " REMOVE " + String.join(", ", removes));
        writes.add(TransactWriteItem.builder().update(u -> u.tableName(images).key(Map.of(ID, s(before.id())))
                .updateExpression(expression).conditionExpression("#v = :v")
                .expressionAttributeNames(names).expressionAttributeValues(values)).build());
        Set<String> changed = new TreeSet<>(tagIds);
        changed.addAll(before.tagIds());
        Map<String, Tag> named = tagsById(changed);
        for (String added : tagIds) {
            if (!before.tagIds().contains(added)) {
                writes.add(putLink(before, added));
                writes.add(countTag(added, 1, before.owner()));
                writes.add(countUse(before.owner(), added, keyOf(named, added), 1));
            }
        }
        for (String removed : before.tagIds()) {
            if (!tagIds.contains(removed)) {
                writes.add(deleteLink(removed, before.id()));
                writes.add(countTag(removed, -1, before.owner()));
                writes.add(countUse(before.owner(), removed, keyOf(named, removed), -1));
            }
        }
        transact(writes, "the image or one of its tags changed meanwhile; read it again and retry");
    }

    /** Deletes an image's record, its links and its share of the tags' counts. */
    void delete(StoredImage image) {
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().delete(d -> d.tableName(images).key(Map.of(ID, s(image.id())))
                .conditionExpression("#v = :v").expressionAttributeNames(Map.of("#v", VERSION))
                .expressionAttributeValues(Map.of(":v", n(image.version())))).build());
        writes.add(addStoredBytes(image.owner(), -image.bytes(), Optional.empty(), ImageQuota.NONE));
        Map<String, Tag> named = tagsById(image.tagIds());
        for (String tagId : image.tagIds()) {
            writes.add(deleteLink(tagId, image.id()));
            writes.add(countTag(tagId, -1, image.owner()));
            writes.add(countUse(image.owner(), tagId, keyOf(named, tagId), -1));
        }
        transact(writes, "the image changed meanwhile; read it again and retry");
    }

    /** Stores the classifier's suggestions on an image (they replace earlier ones). */
    void suggest(String imageId, List<SuggestedTag> suggestions) {
        List<AttributeValue> list = suggestions.stream().map(t -> AttributeValue.builder().m(Map.of(
                NAME, s(t.name()), "probability", AttributeValue.builder().n(Double.toString(t.probability())).build()))
                .build()).toList();
        dynamoDb.updateItem(r -> r.tableName(images).key(Map.of(ID, s(imageId)))
                .updateExpression("SET #s = :s, #v = #v + :one")
                .conditionExpression("attribute_exists(#id)")
                .expressionAttributeNames(Map.of("#s", SUGGESTED_TAGS, "#v", VERSION, "#id", ID))
                .expressionAttributeValues(Map.of(":s", AttributeValue.builder().l(list).build(), ":one", n(1))));
    }

    /** One page of an image index, newest first: by owner, or every image ({@code owner} empty). */
    IndexPage imagesByTime(Optional<String> owner, KeyRange range, Optional<String> after, int limit) {
        String index = owner.isPresent() ? TableCatalog.IMAGES_BY_OWNER : TableCatalog.IMAGES_BY_TIME;
        String partitionName = owner.isPresent() ? OWNER : LISTING;
        String partition = owner.orElse(ALL_IMAGES);
        return query(images, index, partitionName, partition, range, after, limit,
                key -> Map.of(ID, s(CreatedKey.imageId(key)), partitionName, s(partition), CREATED_KEY, s(key)));
    }

    /** One page of a tag's links, newest image first: one owner's, or everyone's ({@code owner} empty). */
    IndexPage imagesWithTag(String tagId, Optional<String> owner, KeyRange range, Optional<String> after, int limit) {
        String index = owner.isPresent() ? TableCatalog.IMAGE_TAGS_BY_OWNER_TAG : TableCatalog.IMAGE_TAGS_BY_TAG;
        String partitionName = owner.isPresent() ? OWNER_TAG : TAG_ID;
        String partition = owner.map(o -> o + "#" + tagId).orElse(tagId);
        return query(links, index, partitionName, partition, range, after, limit,
                key -> Map.of(LINK, s(tagId + "#" + CreatedKey.imageId(key)), partitionName, s(partition),
                        CREATED_KEY, s(key)));
    }

    /** Created keys of one index page, newest first, and whether the index holds more. */
    record IndexPage(List<String> createdKeys, boolean more) {
    }

    /** Inclusive bounds on the created key. */
    record KeyRange(String lowest, String highest) {
        static KeyRange of(Optional<Instant> from, Optional<Instant> to) {
            return new KeyRange(from.map(CreatedKey::lowest).orElse("0"), to.map(CreatedKey::highest).orElse("\uffff"));
        }
    }

    private IndexPage query(String table, String index, String partitionName, String partition, KeyRange range,
            Optional<String> after, int limit, Function<String, Map<String, AttributeValue>> startKey) {
        QueryRequest.Builder request = QueryRequest.builder().tableName(table).indexName(index)
                .keyConditionExpression("#p = :p AND #k BETWEEN :lo AND :hi")
                .expressionAttributeNames(Map.of("#p", partitionName, "#k", CREATED_KEY))
                .expressionAttributeValues(Map.of(":p", s(partition), ":lo", s(range.lowest()), ":hi", s(range.highest())))
                .projectionExpression("#k")
                .scanIndexForward(false)
                .limit(limit);
        after.ifPresent(key -> request.exclusiveStartKey(startKey.apply(key)));
        QueryResponse response = dynamoDb.query(request.build());
        List<String> keys = response.items().stream().map(item -> item.get(CREATED_KEY).s()).toList();
        return new IndexPage(keys, response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty());
    }

    // ---- tags ---------------------------------------------------------------------------------

    /** Creates a tag; 409 when its normalised name is taken. */
    Tag createTag(TagName name, String createdBy, Instant now, String id) {
        Tag tag = new Tag(id, name.name(), name.key(), 0, now, createdBy);
        transact(List.of(
                putUse(createdBy, id, name.key()),
                TransactWriteItem.builder().put(p -> p.tableName(tags).item(guardItem(name.key(), id))
                        .conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", KEY))).build(),
                TransactWriteItem.builder().put(p -> p.tableName(tags).item(tagItem(tag))
                        .conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", KEY))).build()),
                "a tag named '" + name.name() + "' already exists");
        return tag;
    }

    /** Makes an existing tag one of {@code owner}'s (their count 0); 409 when it already is. */
    void adoptTag(Tag tag, String owner) {
        transact(List.of(putUse(owner, tag.id(), tag.key()),
                TransactWriteItem.builder().update(u -> u.tableName(tags).key(Map.of(KEY, s("id#" + tag.id())))
                        .updateExpression("ADD #u :u").conditionExpression("attribute_exists(#k)")
                        .expressionAttributeNames(Map.of("#u", USED_BY, "#k", KEY))
                        .expressionAttributeValues(Map.of(":u", AttributeValue.builder().ss(owner).build()))).build()),
                "you already have a tag named '" + tag.name() + "'");
    }

    /** {@code owner}'s image counts of the tags of {@code ids} that are theirs. */
    Map<String, Long> uses(String owner, Collection<String> ids) {
        Map<String, Long> counts = new HashMap<>();
        batchGet(tags, ids.stream().distinct().map(id -> Map.of(KEY, s(USE + owner + "#" + id))).toList())
                .forEach(item -> counts.put(item.get(TAG_ID).s(), Long.parseLong(item.get(IMAGE_COUNT).n())));
        return counts;
    }

    /** One page of {@code owner}'s tags in name order (each with their image count), after the position {@code after}. */
    Page<TagUse> tagsOf(String owner, Optional<String> after, int limit) {
        String listing = ALL_TAGS + "#" + owner;
        QueryRequest.Builder request = QueryRequest.builder().tableName(tags).indexName(TableCatalog.TAGS_BY_NAME)
                .keyConditionExpression("#l = :l").expressionAttributeNames(Map.of("#l", LISTING))
                .expressionAttributeValues(Map.of(":l", s(listing))).limit(limit);
        after.ifPresent(key -> {
            String[] parts = key.split("\n", 2);
            request.exclusiveStartKey(Map.of(KEY, s(USE + owner + "#" + parts[1]), LISTING, s(listing),
                    NAME_KEY, s(parts[0])));
        });
        QueryResponse response = dynamoDb.query(request.build());
        Map<String, Long> counts = new LinkedHashMap<>();
        Map<String, String> keys = new HashMap<>();
        response.items().forEach(item -> {
            counts.put(item.get(TAG_ID).s(), Long.parseLong(item.get(IMAGE_COUNT).n()));
            keys.put(item.get(TAG_ID).s(), item.get(NAME_KEY).s());
        });
        Map<String, Tag> found = tagsById(counts.keySet());
        List<TagUse> page = counts.entrySet().stream().filter(e -> found.containsKey(e.getKey()))
                .map(e -> new TagUse(found.get(e.getKey()), e.getValue())).toList();
        boolean more = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() && !counts.isEmpty();
        String last = counts.isEmpty() ? null : List.copyOf(counts.keySet()).get(counts.size() - 1);
        return new Page<>(page, more ? Optional.of(keys.get(last) + "\n" + last) : Optional.empty());
    }

    /** A tag and one user's count of images carrying it. */
    record TagUse(Tag tag, long ownCount) {
    }

    Optional<Tag> tagByName(TagName name) {
        return tagIdsByKey(List.of(name.key())).values().stream().findFirst().flatMap(this::tag);
    }

    Optional<Tag> tag(String id) {
        var item = dynamoDb.getItem(r -> r.tableName(tags).key(Map.of(KEY, s("id#" + id))).consistentRead(true)).item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(toTag(item));
    }

    /** Tag ids by normalised name, for the names that exist. */
    Map<String, String> tagIdsByKey(Collection<String> nameKeys) {
        Map<String, String> ids = new HashMap<>();
        batchGet(tags, nameKeys.stream().distinct().map(k -> Map.of(KEY, s("name#" + k))).toList())
                .forEach(item -> ids.put(item.get(KEY).s().substring("name#".length()), item.get(TAG_ID).s()));
        return ids;
    }

    Map<String, Tag> tagsById(Collection<String> ids) {
        Map<String, Tag> found = new HashMap<>();
        batchGet(tags, ids.stream().distinct().map(id -> Map.of(KEY, s("id#" + id))).toList())
                .forEach(item -> found.put(item.get(TAG_ID).s(), toTag(item)));
        return found;
    }

    /** One page of tags in name order, after the normalised name {@code after}. */
    Page<Tag> tags(Optional<String> after, int limit) {
        QueryRequest.Builder request = QueryRequest.builder().tableName(tags).indexName(TableCatalog.TAGS_BY_NAME)
                .keyConditionExpression("#l = :l").expressionAttributeNames(Map.of("#l", LISTING))
                .expressionAttributeValues(Map.of(":l", s(ALL_TAGS))).limit(limit);
        after.ifPresent(key -> {
            String[] parts = key.split("\n", 2);
            request.exclusiveStartKey(Map.of(KEY, s("id#" + parts[1]), LISTING, s(ALL_TAGS), NAME_KEY, s(parts[0])));
        });
        QueryResponse response = dynamoDb.query(request.build());
        List<Tag> page = response.items().stream().map(DynamoDbImageTables::toTag).toList();
        boolean more = response.hasLastEvaluatedKey() && !response.lastEvaluatedKey().isEmpty() && !page.isEmpty();
        Tag last = page.isEmpty() ? null : page.get(page.size() - 1);
        return new Page<>(page, more ? Optional.of(last.key() + "\n" + last.id()) : Optional.empty());
    }

    /** Renames a tag: the name guard moves, the record's name changes, links (by id) stay. 409 when taken. */
    void renameTag(Tag tag, TagName to) {
        String from = tag.key();
        List<TransactWriteItem> writes = new ArrayList<>();
        if (!from.equals(to.key())) {
            writes.add(TransactWriteItem.builder().delete(d -> d.tableName(tags).key(Map.of(KEY, s("name#" + from)))
                    .conditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TAG_ID))
                    .expressionAttributeValues(Map.of(":t", s(tag.id())))).build());
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(tags).item(guardItem(to.key(), tag.id()))
                    .conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", KEY))).build());
        }
        writes.add(TransactWriteItem.builder().update(u -> u.tableName(tags).key(Map.of(KEY, s("id#" + tag.id())))
                .updateExpression("SET #n = :n, #nk = :nk").conditionExpression("attribute_exists(#k)")
                .expressionAttributeNames(Map.of("#n", NAME, "#nk", NAME_KEY, "#k", KEY))
                .expressionAttributeValues(Map.of(":n", s(to.name()), ":nk", s(to.key())))).build());
        transact(writes, "a tag named '" + to.name() + "' already exists");
        // each user's item moves to the new name in their listing (after the rename: a crash
        // here leaves a listing out of order, never a wrong name, which is read from the tag)
        for (String owner : usersOf(tag.id())) {
            try {
                dynamoDb.updateItem(r -> r.tableName(tags).key(Map.of(KEY, s(USE + owner + "#" + tag.id())))
                        .updateExpression("SET #nk = :nk").conditionExpression("attribute_exists(#k)")
                        .expressionAttributeNames(Map.of("#nk", NAME_KEY, "#k", KEY))
                        .expressionAttributeValues(Map.of(":nk", s(to.key()))));
            } catch (ConditionalCheckFailedException gone) {
                // that user's item was removed meanwhile
            }
        }
    }

    /** The users who have the tag (created it, adopted it or tagged an image with it). */
    private Set<String> usersOf(String tagId) {
        var item = dynamoDb.getItem(r -> r.tableName(tags).key(Map.of(KEY, s("id#" + tagId))).consistentRead(true)).item();
        return item == null || !item.containsKey(USED_BY) ? Set.of() : new TreeSet<>(item.get(USED_BY).ss());
    }

    /** One link: the image and its owner. */
    record Linked(String imageId, String owner) {
    }

    /** Up to {@code limit} links of a tag (any owner). */
    List<Linked> linkedImages(String tagId, int limit) {
        return dynamoDb.query(r -> r.tableName(links).indexName(TableCatalog.IMAGE_TAGS_BY_TAG)
                .keyConditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TAG_ID))
                .expressionAttributeValues(Map.of(":t", s(tagId))).limit(limit))
                .items().stream().map(item -> new Linked(item.get(IMAGE_ID).s(), item.get(OWNER).s())).toList();
    }

    /** Removes a tag from one image: the link, the id in the image's set and one from the counts. */
    void unlink(Tag tag, Linked link) {
        String tagId = tag.id();
        String imageId = link.imageId();
        transact(List.of(deleteLink(tagId, imageId), countUse(link.owner(), tagId, tag.key(), -1),
                TransactWriteItem.builder().update(u -> u.tableName(images).key(Map.of(ID, s(imageId)))
                        .updateExpression("DELETE #t :t ADD #v :one")
                        .conditionExpression("attribute_exists(#id)")
                        .expressionAttributeNames(Map.of("#t", TAG_IDS, "#v", VERSION, "#id", ID))
                        .expressionAttributeValues(Map.of(":t", AttributeValue.builder().ss(tagId).build(), ":one", n(1))))
                        .build(),
                countTag(tagId, -1, link.owner())), "the image changed while the tag was removed; retry");
    }

    /** Deletes a tag that no image uses any more; false when one was linked meanwhile. */
    boolean deleteTagIfUnused(Tag tag) {
        Set<String> users = usersOf(tag.id());
        try {
            transact(List.of(
                    TransactWriteItem.builder().delete(d -> d.tableName(tags).key(Map.of(KEY, s("name#" + tag.key())))
                            .conditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TAG_ID))
                            .expressionAttributeValues(Map.of(":t", s(tag.id())))).build(),
                    TransactWriteItem.builder().delete(d -> d.tableName(tags).key(Map.of(KEY, s("id#" + tag.id())))
                            .conditionExpression("#c = :zero").expressionAttributeNames(Map.of("#c", IMAGE_COUNT))
                            .expressionAttributeValues(Map.of(":zero", n(0)))).build()),
                    "the tag changed while it was deleted");
            List<WriteRequest> uses = users.stream().map(owner -> WriteRequest.builder()
                    .deleteRequest(d -> d.key(Map.of(KEY, s(USE + owner + "#" + tag.id())))).build()).toList();
            batchWrite(tags, uses);
            return true;
        } catch (Conflict e) {
            return false;
        }
    }

    // ---- items --------------------------------------------------------------------------------

    private TransactWriteItem putLink(StoredImage image, String tagId) {
        return TransactWriteItem.builder().put(p -> p.tableName(links).item(linkItem(image, tagId))).build();
    }

    /** A link item of {@code image} to a tag, as an upload writes it (package-private for the test code's bulk import). */
    static Map<String, AttributeValue> linkItem(StoredImage image, String tagId) {
        return Map.of(LINK, s(tagId + "#" + image.id()), TAG_ID, s(tagId), IMAGE_ID, s(image.id()),
                OWNER, s(image.owner()), OWNER_TAG, s(image.owner() + "#" + tagId), CREATED_KEY, s(image.createdKey()));
    }

    private TransactWriteItem deleteLink(String tagId, String imageId) {
        return TransactWriteItem.builder().delete(d -> d.tableName(links).key(Map.of(LINK, s(tagId + "#" + imageId))))
                .build();
    }

    /**
     * Adds {@code delta} to a tag's image count (and, adding, {@code owner} to its users); the
     * tag must exist (so no link outlives its tag).
     */
    private TransactWriteItem countTag(String tagId, int delta, String owner) {
        Map<String, String> names = new HashMap<>(Map.of("#c", IMAGE_COUNT, "#k", KEY));
        Map<String, AttributeValue> values = new HashMap<>(Map.of(":d", n(delta)));
        String expression = "ADD #c :d";
        if (delta > 0) {
            names.put("#u", USED_BY);
            values.put(":u", AttributeValue.builder().ss(owner).build());
            expression += ", #u :u";
        }
        String finalExpression = expression;
        return TransactWriteItem.builder().update(u -> u.tableName(tags).key(Map.of(KEY, s("id#" + tagId)))
                .updateExpression(finalExpression).conditionExpression("attribute_exists(#k)")
                .expressionAttributeNames(names).expressionAttributeValues(values)).build();
    }

    /** Adds {@code delta} to {@code owner}'s count of the tag, making it theirs (in their listing) if it was not. */
    private TransactWriteItem countUse(String owner, String tagId, String nameKey, int delta) {
        return TransactWriteItem.builder().update(u -> u.tableName(tags).key(Map.of(KEY, s(USE + owner + "#" + tagId)))
                .updateExpression("ADD #c :d SET #l = :l, #t = :t, #o = :o, #nk = if_not_exists(#nk, :nk)")
                .expressionAttributeNames(Map.of("#c", IMAGE_COUNT, "#l", LISTING, "#t", TAG_ID, "#o", OWNER,
                        "#nk", NAME_KEY))
                .expressionAttributeValues(Map.of(":d", n(delta), ":l", s(ALL_TAGS + "#" + owner), ":t", s(tagId),
                        ":o", s(owner), ":nk", s(nameKey)))).build();
    }

    /** A new item of {@code owner}'s use of a tag, count 0; 409 (through the transaction) when they have it. */
    private TransactWriteItem putUse(String owner, String tagId, String nameKey) {
        return TransactWriteItem.builder().put(p -> p.tableName(tags).item(Map.of(KEY, s(USE + owner + "#" + tagId),
                LISTING, s(ALL_TAGS + "#" + owner), TAG_ID, s(tagId), OWNER, s(owner), NAME_KEY, s(nameKey),
                IMAGE_COUNT, n(0))).conditionExpression("attribute_not_exists(#k)")
                .expressionAttributeNames(Map.of("#k", KEY))).build();
    }

    /** The normalised name of a tag read with {@link #tagsById}; 409 when it was deleted meanwhile. */
    private static String keyOf(Map<String, Tag> tags, String tagId) {
        Tag tag = tags.get(tagId);
        if (tag == null) {
            throw new Conflict("a tag was deleted meanwhile; read the image again and retry");
        }
        return tag.key();
    }

    /** The record of {@code image}, as an upload writes it (package-private for the test code's bulk import). */
    static Map<String, AttributeValue> imageItem(StoredImage image) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ID, s(image.id()));
        item.put(OWNER, s(image.owner()));
        item.put(LISTING, s(ALL_IMAGES));
        item.put(CREATED_KEY, s(image.createdKey()));
        item.put(CREATED_AT, s(image.createdAt().toString()));
        item.put(FILENAME, s(image.filename()));
        item.put(CONTENT_TYPE, s(image.contentType()));
        item.put(BYTES, n(image.bytes()));
        item.put(WIDTH, n(image.width()));
        item.put(HEIGHT, n(image.height()));
        item.put(SHA256, s(image.sha256()));
        image.description().ifPresent(d -> item.put(DESCRIPTION, s(d)));
        if (!image.tagIds().isEmpty()) {
            item.put(TAG_IDS, AttributeValue.builder().ss(image.tagIds()).build());
        }
        item.put(VERSION, n(image.version()));
        return item;
    }

    private static StoredImage toImage(Map<String, AttributeValue> item) {
        List<SuggestedTag> suggested = item.containsKey(SUGGESTED_TAGS)
                ? item.get(SUGGESTED_TAGS).l().stream().map(v -> new SuggestedTag(v.m().get(NAME).s(),
                        Double.parseDouble(v.m().get("probability").n()))).toList()
                : List.of();
        return new StoredImage(item.get(ID).s(), item.get(OWNER).s(), item.get(FILENAME).s(), item.get(CONTENT_TYPE).s(),
                Long.parseLong(item.get(BYTES).n()), Integer.parseInt(item.get(WIDTH).n()),
                Integer.parseInt(item.get(HEIGHT).n()), item.get(SHA256).s(),
                Optional.ofNullable(item.get(DESCRIPTION)).map(AttributeValue::s),
                item.containsKey(TAG_IDS) ? new TreeSet<>(item.get(TAG_IDS).ss()) : Set.of(), suggested,
                Instant.parse(item.get(CREATED_AT).s()), Long.parseLong(item.get(VERSION).n()));
    }

    private static Map<String, AttributeValue> guardItem(String nameKey, String tagId) {
        return Map.of(KEY, s("name#" + nameKey), TAG_ID, s(tagId));
    }

    private static Map<String, AttributeValue> tagItem(Tag tag) {
        return Map.of(KEY, s("id#" + tag.id()), TAG_ID, s(tag.id()), NAME, s(tag.name()), NAME_KEY, s(tag.key()),
                LISTING, s(ALL_TAGS), IMAGE_COUNT, n(tag.imageCount()), CREATED_AT, s(tag.createdAt().toString()),
                CREATED_BY, s(tag.createdBy()), USED_BY, AttributeValue.builder().ss(tag.createdBy()).build());
    }

    private static Tag toTag(Map<String, AttributeValue> item) {
        return new Tag(item.get(TAG_ID).s(), item.get(NAME).s(), item.get(NAME_KEY).s(),
                Long.parseLong(item.get(IMAGE_COUNT).n()),
                Instant.parse(item.get(CREATED_AT).s()), item.get(CREATED_BY).s());
    }

    // ---- calls --------------------------------------------------------------------------------

    private List<Map<String, AttributeValue>> batchGet(String table, List<Map<String, AttributeValue>> keys) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        for (int start = 0; start < keys.size(); start += 100) {
            Map<String, KeysAndAttributes> pending = Map.of(table, KeysAndAttributes.builder()
                    .keys(keys.subList(start, Math.min(keys.size(), start + 100))).consistentRead(true).build());
            for (int attempt = 0; !pending.isEmpty(); attempt++) {
                Map<String, KeysAndAttributes> request = pending;
                BatchGetItemResponse response = dynamoDb.batchGetItem(r -> r.requestItems(request));
                items.addAll(response.responses().getOrDefault(table, List.of()));
                pending = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
                if (!pending.isEmpty()) {
                    backOff(attempt);
                }
            }
        }
        return items;
    }

    private void transact(List<TransactWriteItem> writes, String conflict) {
        transact(writes, conflict, Optional.empty());
    }

    /**
     * Writes {@code writes} in one transaction: 409 {@code conflict} when a condition fails, or
     * what {@code firstRefused} makes of the message when the first item's condition (a quota) is
     * the one that failed.
     */
    private void transact(List<TransactWriteItem> writes, String conflict,
            Optional<Function<String, RuntimeException>> firstRefused) {
        if (writes.size() > MAX_TRANSACTION_ITEMS) {
            throw new IllegalArgumentException("a transaction of " + writes.size() + " items");
        }
        List<String> codes = Transactions.write(dynamoDb, writes, MAX_CONFLICT_RETRIES + 1);
        if (codes.isEmpty()) {
            return;
        }
        if (firstRefused.isPresent() && "ConditionalCheckFailed".equals(codes.get(0))) {
            throw firstRefused.get().apply(conflict);
        }
        if (codes.contains("ConditionalCheckFailed")) {
            throw new Conflict(conflict);
        }
        // still contended after the retries (or cancelled for another reason)
        throw new Conflict("a concurrent change got in the way; retry");
    }

    private static void backOff(int attempt) {
        try {
            Thread.sleep(Math.min(1000, 20L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading", e);
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.builder().s(value).build();
    }

    private static AttributeValue n(long value) {
        return AttributeValue.builder().n(Long.toString(value)).build();
    }
}
