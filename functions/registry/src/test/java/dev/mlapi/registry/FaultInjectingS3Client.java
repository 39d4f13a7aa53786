package dev.mlapi.registry;

import java.util.function.Predicate;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.DeleteObjectsRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The real S3 client with one fault injected: PUTs of keys matching a predicate fail with a 500
 * as S3 answers when it has an internal error. Everything else reaches the real server.
 */
final class FaultInjectingS3Client implements S3Client {

    private final S3Client real;
    private final Predicate<String> failingPutKeys;

    FaultInjectingS3Client(S3Client real, Predicate<String> failingPutKeys) {
        this.real = real;
        this.failingPutKeys = failingPutKeys;
    }

    @Override
    public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
        if (failingPutKeys.test(request.key())) {
            throw (S3Exception) S3Exception.builder().statusCode(500).message("injected failure").build();
        }
        return real.putObject(request, body);
    }

    @Override
    public <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
        return real.getObject(request, transformer);
    }

    @Override
    public ResponseInputStream<GetObjectResponse> getObject(GetObjectRequest request) {
        return real.getObject(request);
    }

    @Override
    public HeadObjectResponse headObject(HeadObjectRequest request) {
        return real.headObject(request);
    }

    @Override
    public DeleteObjectResponse deleteObject(DeleteObjectRequest request) {
        return real.deleteObject(request);
    }

    @Override
    public DeleteObjectsResponse deleteObjects(DeleteObjectsRequest request) {
        return real.deleteObjects(request);
    }

    @Override
    public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
        return real.listObjectsV2(request);
    }

    @Override
    public String serviceName() {
        return real.serviceName();
    }

    @Override
    public void close() {
        // the real client belongs to the test stack
    }
}
