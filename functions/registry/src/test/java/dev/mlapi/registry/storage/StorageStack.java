package dev.mlapi.registry.storage;

import dev.mlapi.core.testkit.TestStack;
import dev.mlapi.registry.RegistrySettings;
import dev.mlapi.registry.S3Clients;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/** S3Proxy (started by a {@link TestStack}) with the registry's S3 clients: the storage tests' one fixture. */
final class StorageStack implements AutoCloseable {

    final S3Client s3;
    final S3Presigner presigner;
    final S3Bucket bucket;
    private final TestStack stack;

    private StorageStack(TestStack stack, RegistrySettings settings) {
        this.stack = stack;
        this.s3 = S3Clients.s3(settings);
        this.presigner = S3Clients.presigner(settings);
        this.bucket = new S3Bucket(s3, presigner, settings.bucket());
    }

    static StorageStack start() {
        TestStack stack = TestStack.start();
        return new StorageStack(stack, RegistrySettings.from(stack.config()));
    }

    @Override
    public void close() {
        presigner.close();
        s3.close();
        stack.close();
    }
}
