package dev.mlapi.imagestore;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.config.Environment;
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
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

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
 * <p>A presigned upload waiting for its commit is an item of the images table too, under the id
 * its image will get: {@code listing = "pending"} and its uploader in {@code uploader}, not
 * {@code owner}, so it is in no listing but the sweeper's (index {@code by_time}, partition
 * {@code pending}, oldest first). Its commit replaces it with the image in the same transaction
 * that links the tags.
 */
public final class DynamoDbImageTables {

    /** DynamoDB's limit of items in one transaction. */
    public static final int MAX_TRANSACTION_ITEMS = 100;

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
    static final java.time.Duration PURGE_AFTER_EXPIRY = java.time.Duration.ofDays(1);

    static final String KEY = "key";
    static final String TAG_ID = "tag_id";
    static final String NAME = "name";
    static final String NAME_KEY = "name_key";
    static final String IMAGE_COUNT = "image_count";
    static final String CREATED_BY = "created_by";

    static final String LINK = "link";
    static final String IMAGE_ID = "image_id";
    static final String OWNER_TAG = "owner_tag";

    private static final String ALL_IMAGES = "all";
    private static final String PENDING = "pending";
    private static final String ALL_TAGS = "tag";

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
        return ids.stream().map(found::get).filter(java.util.Objects::nonNull).toList();
    }

    /**
     * Records new images and links them to their tags in one transaction; every tag must still
     * exist (its count goes up by the images linked). 409 when a tag was deleted meanwhile.
     */
    void insert(List<StoredImage> added) {
        List<TransactWriteItem> writes = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (StoredImage image : added) {
            writes.add(TransactWriteItem.builder().put(p -> p.tableName(images).item(imageItem(image))
                    .conditionExpression("attribute_not_exists(#id)").expressionAttributeNames(Map.of("#id", ID))).build());
            for (String tagId : image.tagIds()) {
                writes.add(putLink(image, tagId));
                counts.merge(tagId, 1, Integer::sum);
            }
        }
        counts.forEach((tagId, n) -> writes.add(countTag(tagId, n)));
        transact(writes, "a tag was deleted while the images were uploaded; nothing was stored");
    }

    // ---- pending uploads ----------------------------------------------------------------------

    /** Records reserved uploads (new ids, so each put is conditional on the id being free). */
    void reserve(PendingImage pending) {
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
        try {
            dynamoDb.putItem(r -> r.tableName(images).item(item).conditionExpression("attribute_not_exists(#id)")
                    .expressionAttributeNames(Map.of("#id", ID)));
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
            throw new Conflict("upload id " + pending.uploadId() + " is taken; retry");
        }
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
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException e) {
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
    void commit(StoredImage image) {
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder().put(p -> p.tableName(images).item(imageItem(image))
                .conditionExpression("#l = :pending AND #u = :owner")
                .expressionAttributeNames(Map.of("#l", LISTING, "#u", UPLOADER))
                .expressionAttributeValues(Map.of(":pending", s(PENDING), ":owner", s(image.owner())))).build());
        for (String tagId : image.tagIds()) {
            writes.add(putLink(image, tagId));
            writes.add(countTag(tagId, 1));
        }
        transact(writes, "the upload was committed by another request, or one of its tags was deleted meanwhile");
    }

    private static boolean isPending(Map<String, AttributeValue> item) {
        return item.containsKey(LISTING) && PENDING.equals(item.get(LISTING).s());
    }

    /**
     * Writes records and links in batches, without a transaction, then adds to the tags' counts:
     * for bulk imports (and the listing benchmark) into tags nobody deletes meanwhile.
     */
    void importImages(List<StoredImage> added) {
        List<WriteRequest> writes = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (StoredImage image : added) {
            writes.add(WriteRequest.builder().putRequest(p -> p.item(imageItem(image))).build());
            for (String tagId : image.tagIds()) {
                writes.add(WriteRequest.builder().putRequest(p -> p.item(linkItem(image, tagId))).build());
                counts.merge(tagId, 1, Integer::sum);
            }
        }
        List<WriteRequest> images = writes.stream().filter(w -> w.putRequest().item().containsKey(ID)).toList();
        List<WriteRequest> links = writes.stream().filter(w -> w.putRequest().item().containsKey(LINK)).toList();
        batchWrite(this.images, images);
        batchWrite(this.links, links);
        counts.forEach((tagId, n) -> dynamoDb.updateItem(r -> r.tableName(tags).key(Map.of(KEY, s("id#" + tagId)))
                .updateExpression("ADD #c :d").expressionAttributeNames(Map.of("#c", IMAGE_COUNT))
                .expressionAttributeValues(Map.of(":d", n(n)))));
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
        for (String added : tagIds) {
            if (!before.tagIds().contains(added)) {
                writes.add(putLink(before, added));
                writes.add(countTag(added, 1));
            }
        }
        for (String removed : before.tagIds()) {
            if (!tagIds.contains(removed)) {
                writes.add(deleteLink(removed, before.id()));
                writes.add(countTag(removed, -1));
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
        for (String tagId : image.tagIds()) {
            writes.add(deleteLink(tagId, image.id()));
            writes.add(countTag(tagId, -1));
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
        Tag tag = new Tag(id, name.name(), 0, now, createdBy);
        transact(List.of(
                TransactWriteItem.builder().put(p -> p.tableName(tags).item(guardItem(name.key(), id))
                        .conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", KEY))).build(),
                TransactWriteItem.builder().put(p -> p.tableName(tags).item(tagItem(tag))
                        .conditionExpression("attribute_not_exists(#k)").expressionAttributeNames(Map.of("#k", KEY))).build()),
                "a tag named '" + name.name() + "' already exists");
        return tag;
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
    }

    /** Up to {@code limit} links of a tag (any owner): their image ids. */
    List<String> linkedImages(String tagId, int limit) {
        return dynamoDb.query(r -> r.tableName(links).indexName(TableCatalog.IMAGE_TAGS_BY_TAG)
                .keyConditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TAG_ID))
                .expressionAttributeValues(Map.of(":t", s(tagId))).limit(limit))
                .items().stream().map(item -> item.get(IMAGE_ID).s()).toList();
    }

    /** Removes a tag from one image: the link, the id in the image's set and one from the count. */
    void unlink(String tagId, String imageId) {
        transact(List.of(deleteLink(tagId, imageId),
                TransactWriteItem.builder().update(u -> u.tableName(images).key(Map.of(ID, s(imageId)))
                        .updateExpression("DELETE #t :t ADD #v :one")
                        .conditionExpression("attribute_exists(#id)")
                        .expressionAttributeNames(Map.of("#t", TAG_IDS, "#v", VERSION, "#id", ID))
                        .expressionAttributeValues(Map.of(":t", AttributeValue.builder().ss(tagId).build(), ":one", n(1))))
                        .build(),
                countTag(tagId, -1)), "the image changed while the tag was removed; retry");
    }

    /** Deletes a tag that no image uses any more; false when one was linked meanwhile. */
    boolean deleteTagIfUnused(Tag tag) {
        try {
            transact(List.of(
                    TransactWriteItem.builder().delete(d -> d.tableName(tags).key(Map.of(KEY, s("name#" + tag.key())))
                            .conditionExpression("#t = :t").expressionAttributeNames(Map.of("#t", TAG_ID))
                            .expressionAttributeValues(Map.of(":t", s(tag.id())))).build(),
                    TransactWriteItem.builder().delete(d -> d.tableName(tags).key(Map.of(KEY, s("id#" + tag.id())))
                            .conditionExpression("#c = :zero").expressionAttributeNames(Map.of("#c", IMAGE_COUNT))
                            .expressionAttributeValues(Map.of(":zero", n(0)))).build()),
                    "the tag changed while it was deleted");
            return true;
        } catch (Conflict e) {
            return false;
        }
    }

    // ---- items --------------------------------------------------------------------------------

    private TransactWriteItem putLink(StoredImage image, String tagId) {
        return TransactWriteItem.builder().put(p -> p.tableName(links).item(linkItem(image, tagId))).build();
    }

    private static Map<String, AttributeValue> linkItem(StoredImage image, String tagId) {
        return Map.of(LINK, s(tagId + "#" + image.id()), TAG_ID, s(tagId), IMAGE_ID, s(image.id()),
                OWNER, s(image.owner()), OWNER_TAG, s(image.owner() + "#" + tagId), CREATED_KEY, s(image.createdKey()));
    }

    private TransactWriteItem deleteLink(String tagId, String imageId) {
        return TransactWriteItem.builder().delete(d -> d.tableName(links).key(Map.of(LINK, s(tagId + "#" + imageId))))
                .build();
    }

    /** Adds {@code delta} to a tag's image count; the tag must exist (so no link outlives its tag). */
    private TransactWriteItem countTag(String tagId, int delta) {
        return TransactWriteItem.builder().update(u -> u.tableName(tags).key(Map.of(KEY, s("id#" + tagId)))
                .updateExpression("ADD #c :d").conditionExpression("attribute_exists(#k)")
                .expressionAttributeNames(Map.of("#c", IMAGE_COUNT, "#k", KEY))
                .expressionAttributeValues(Map.of(":d", n(delta)))).build();
    }

    private static Map<String, AttributeValue> imageItem(StoredImage image) {
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
                CREATED_BY, s(tag.createdBy()));
    }

    private static Tag toTag(Map<String, AttributeValue> item) {
        return new Tag(item.get(TAG_ID).s(), item.get(NAME).s(), Long.parseLong(item.get(IMAGE_COUNT).n()),
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
        if (writes.size() > MAX_TRANSACTION_ITEMS) {
            throw new IllegalArgumentException("a transaction of " + writes.size() + " items");
        }
        try {
            dynamoDb.transactWriteItems(r -> r.transactItems(writes));
        } catch (TransactionCanceledException e) {
            boolean conditionFailed = e.hasCancellationReasons() && e.cancellationReasons().stream()
                    .map(CancellationReason::code).anyMatch("ConditionalCheckFailed"::equals);
            throw new Conflict(conditionFailed ? conflict : "a concurrent change got in the way; retry");
        }
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
