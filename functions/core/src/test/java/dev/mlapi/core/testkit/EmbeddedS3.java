package dev.mlapi.core.testkit;

import java.net.URI;
import java.nio.file.Path;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;

/** An S3-compatible server (S3Proxy) in this JVM on a free loopback port: in memory, or on disk. */
public final class EmbeddedS3 implements AutoCloseable {

    public static final String ACCESS_KEY = "local";
    public static final String SECRET_KEY = "local";

    private final S3Proxy proxy;
    private final BlobStore store;
    private final URI endpoint;

    private EmbeddedS3(S3Proxy proxy, BlobStore store, URI endpoint) {
        this.proxy = proxy;
        this.store = store;
        this.endpoint = endpoint;
    }

    public static EmbeddedS3 inMemory() {
        return start(new TransientNio2BlobStore(), 0);
    }

    /** Persisted to {@code folder}, on {@code port} (0 = any free port). */
    public static EmbeddedS3 persistedIn(Path folder, int port) {
        folder.toFile().mkdirs();
        return start(new FilesystemNio2BlobStore(folder.toAbsolutePath().toString()), port);
    }

    private static EmbeddedS3 start(BlobStore store, int requestedPort) {
        int port = requestedPort == 0 ? EmbeddedDynamoDb.freePort() : requestedPort;
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        S3Proxy proxy = S3Proxy.builder()
                .blobStore(store)
                .endpoint(endpoint)
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .ignoreUnknownHeaders(true)
                .stopTimeout(0)
                .build();
        try {
            proxy.start();
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!"STARTED".equals(proxy.getState())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
                }
                Thread.sleep(5);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException("could not start S3Proxy", e);
        }
        return new EmbeddedS3(proxy, store, endpoint);
    }

    public URI endpoint() {
        return endpoint;
    }

    /** Creates {@code bucket} unless it exists: straight in the store, so the test kit needs no S3 client. */
    public void createBucket(String bucket) {
        if (!store.containerExists(bucket)) {
            store.createContainer(bucket);
        }
    }

    /** Deletes {@code bucket} and everything in it, if it exists: straight in the store. */
    public void deleteBucket(String bucket) {
        if (store.containerExists(bucket)) {
            store.deleteContainer(bucket);
        }
    }

    @Override
    public void close() {
        try {
            proxy.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop S3Proxy", e);
        }
    }
}
