package dev.mlapi.core.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The extension speaks Lambda's Extensions API and holds the freeze until an invocation's deferred
 * work is done. Lambda's Runtime API cannot run here, so a small HTTP server plays it (the calls
 * and headers of the documented protocol): it records what the extension asks, and hands out one
 * INVOKE event per {@code event/next} from a queue.
 */
class LambdaAfterResponseExtensionTest {

    HttpServer runtimeApi;
    final List<String> calls = new CopyOnWriteArrayList<>();
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws IOException {
        runtimeApi = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        runtimeApi.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-runtime-api");
            t.setDaemon(true);
            return t;
        }));
        runtimeApi.createContext("/2020-01-01/extension/register", exchange -> {
            calls.add("register " + exchange.getRequestHeaders().getFirst("Lambda-Extension-Name") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.getResponseHeaders().add("Lambda-Extension-Identifier", "ext-1");
            answer(exchange, "{\"functionName\":\"f\",\"functionVersion\":\"1\",\"handler\":\"h\"}");
        });
        runtimeApi.createContext("/2020-01-01/extension/event/next", exchange -> {
            calls.add("next " + exchange.getRequestHeaders().getFirst("Lambda-Extension-Identifier"));
            try {
                answer(exchange, events.take());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        runtimeApi.start();
    }

    @AfterEach
    void stop() {
        // ends a test's extension loop (it leaves on SHUTDOWN) instead of leaving it retrying a gone server
        events.add("{\"eventType\":\"SHUTDOWN\",\"shutdownReason\":\"spindown\",\"deadlineMs\":0}");
        runtimeApi.stop(1);
    }

    @Test
    void registersForInvokeOnly_andAsksForTheNextEventOnlyAfterTheInvocationsDeferredWorkIsDone() throws Exception {
        AfterResponse afterResponse = LambdaAfterResponseExtension.start(address());
        assertThat(afterResponse.postpones()).isTrue();
        awaitCalls(2);
        assertThat(calls).containsExactly("register " + LambdaAfterResponseExtension.NAME + " {\"events\":[\"INVOKE\"]}",
                "next ext-1");

        CountDownLatch writeMayFinish = new CountDownLatch(1);
        List<String> order = new CopyOnWriteArrayList<>();
        events.add(invoke("req-1", System.currentTimeMillis() + 30_000));
        afterResponse.defer("req-1", () -> {
            await(writeMayFinish);
            order.add("request log written");
        });
        afterResponse.settle("req-1");
        order.add("handler returned");

        Thread.sleep(300);
        assertThat(calls).as("the freeze is held while the write runs").hasSize(2);
        writeMayFinish.countDown();
        awaitCalls(3);
        assertThat(calls.get(2)).isEqualTo("next ext-1");
        assertThat(order).containsExactly("handler returned", "request log written");
    }

    @Test
    void anInvocationWithNothingDeferred_releasesTheFreezeAsSoonAsItsHandlerReturns() throws Exception {
        AfterResponse afterResponse = LambdaAfterResponseExtension.start(address());
        awaitCalls(2);
        events.add(invoke("req-2", System.currentTimeMillis() + 30_000));
        Thread.sleep(200);
        assertThat(calls).as("not before the handler has returned").hasSize(2);

        afterResponse.settle("req-2");

        awaitCalls(3);
    }

    @Test
    void workStillRunningAtTheDeadline_doesNotHoldTheFreezeBeyondIt() throws Exception {
        AfterResponse afterResponse = LambdaAfterResponseExtension.start(address());
        awaitCalls(2);
        CountDownLatch never = new CountDownLatch(1);
        events.add(invoke("req-3", System.currentTimeMillis() + LambdaAfterResponseExtension.MARGIN.toMillis() + 500));
        afterResponse.defer("req-3", () -> await(never));
        afterResponse.settle("req-3");

        awaitCalls(3);
        never.countDown();
    }

    @Test
    void outsideLambda_orWhenRegisteringFails_theWorkRunsInline() throws IOException {
        assertThat(LambdaAfterResponseExtension.start(null).postpones()).isFalse();
        assertThat(calls).isEmpty();
        runtimeApi.stop(0);
        assertThat(LambdaAfterResponseExtension.start(address()).postpones()).isFalse();

        List<String> ran = new CopyOnWriteArrayList<>();
        AfterResponse.inline().defer("req-4", () -> ran.add("now"));
        assertThat(ran).containsExactly("now");
    }

    private String address() {
        return "127.0.0.1:" + runtimeApi.getAddress().getPort();
    }

    private static String invoke(String requestId, long deadlineMs) {
        return "{\"eventType\":\"INVOKE\",\"requestId\":\"" + requestId + "\",\"deadlineMs\":" + deadlineMs
                + ",\"invokedFunctionArn\":\"arn:aws:lambda:us-east-1:123456789012:function:f\"}";
    }

    private void awaitCalls(int count) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (calls.size() < count && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(calls).hasSizeGreaterThanOrEqualTo(count);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }
}
