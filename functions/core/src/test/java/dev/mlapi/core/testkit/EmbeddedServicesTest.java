package dev.mlapi.core.testkit;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/** The embedded storage servers have no real authentication: they must listen on loopback only. */
class EmbeddedServicesTest {

    @Test
    void dynamoDbLocal_listensOnLoopbackOnly() throws IOException {
        try (EmbeddedDynamoDb dynamoDb = EmbeddedDynamoDb.inMemory()) {
            Listeners.assertLoopbackOnly(dynamoDb.endpoint());
        }
    }

    @Test
    void s3Server_listensOnLoopbackOnly() throws IOException {
        try (EmbeddedS3 s3 = EmbeddedS3.inMemory()) {
            Listeners.assertLoopbackOnly(s3.endpoint());
        }
    }
}
