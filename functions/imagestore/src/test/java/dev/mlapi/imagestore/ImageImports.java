package dev.mlapi.imagestore;

import dev.mlapi.catalog.TableCatalog;
import dev.mlapi.core.config.Environment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/**
 * A bulk import for benchmarks ({@code ImageListingBenchmark}): image records and tag links item
 * for item as an upload writes them ({@link DynamoDbImageTables#imageItem}, {@link
 * DynamoDbImageTables#linkItem}), in batches and without a transaction, then the tags' counts. Only
 * into tags nobody deletes meanwhile, without quotas: test code, not a feature.
 */
final class ImageImports {

    private ImageImports() {
    }

    static void importImages(DynamoDbClient dynamoDb, Environment environment, List<StoredImage> added) {
        List<WriteRequest> images = new ArrayList<>();
        List<WriteRequest> links = new ArrayList<>();
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (StoredImage image : added) {
            images.add(WriteRequest.builder().putRequest(p -> p.item(DynamoDbImageTables.imageItem(image))).build());
            for (String tagId : image.tagIds()) {
                links.add(WriteRequest.builder().putRequest(p -> p.item(DynamoDbImageTables.linkItem(image, tagId))).build());
                counts.merge(tagId, 1, Integer::sum);
            }
        }
        batchWrite(dynamoDb, environment.tableName(TableCatalog.IMAGES), images);
        batchWrite(dynamoDb, environment.tableName(TableCatalog.IMAGE_TAGS), links);
        String tags = environment.tableName(TableCatalog.TAGS);
        counts.forEach((tagId, n) -> dynamoDb.updateItem(r -> r.tableName(tags)
                .key(Map.of(DynamoDbImageTables.KEY, AttributeValue.fromS("id#" + tagId)))
                .updateExpression("ADD #c :d").expressionAttributeNames(Map.of("#c", DynamoDbImageTables.IMAGE_COUNT))
                .expressionAttributeValues(Map.of(":d", AttributeValue.fromN(Integer.toString(n))))));
    }

    private static void batchWrite(DynamoDbClient dynamoDb, String table, List<WriteRequest> writes) {
        for (int start = 0; start < writes.size(); start += 25) {
            Map<String, List<WriteRequest>> pending = Map.of(table, writes.subList(start, Math.min(writes.size(), start + 25)));
            while (!pending.isEmpty()) {
                Map<String, List<WriteRequest>> request = pending;
                var response = dynamoDb.batchWriteItem(r -> r.requestItems(request));
                pending = response.hasUnprocessedItems() ? response.unprocessedItems() : Map.of();
            }
        }
    }
}
