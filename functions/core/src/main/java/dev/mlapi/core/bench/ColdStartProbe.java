package dev.mlapi.core.bench;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPResponse;
import com.amazonaws.services.lambda.runtime.events.StreamsEventResponse;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.Module;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.std.FromStringDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.joda.time.DateTime;

/**
 * One cold start inside a fresh JVM, as Lambda runs it without SnapStart: the handler's public
 * no-arg constructor (init, priming included), the first invoke, then warm invokes. Run with a
 * function jar as the only classpath entry:
 * {@code java -cp login.jar dev.mlapi.core.bench.ColdStartProbe <handler class> <event.json> [warm invokes]};
 * with {@code -} as the event it only constructs the handler.
 *
 * <p>It prints {@code FIRST <status>} the moment the first response exists (the harness times
 * that line from process spawn: the external clock) and a JSON line of its own timings at the end.
 * Each invoke gets a fresh request id, as API Gateway would give it. Works for any
 * {@code RequestHandler} whose event Jackson can read (API Gateway, DynamoDB streams, schedules).
 */
public final class ColdStartProbe {

    private ColdStartProbe() {
    }

    public static void main(String[] args) throws Exception {
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long mainStart = System.currentTimeMillis();
        Class<?> type = Class.forName(args[0]);
        Method handleRequest = handleRequest(type);
        boolean initOnly = args[1].equals("-");
        Object event = initOnly ? null : mapper().readValue(Files.readAllBytes(Path.of(args[1])),
                handleRequest.getParameterTypes()[0]);
        int warmInvokes = args.length > 2 ? Integer.parseInt(args[2]) : 20;

        long initStart = System.nanoTime();
        Object handler = type.getConstructor().newInstance();
        long initEnd = System.nanoTime();
        long initEndUptime = ManagementFactory.getRuntimeMXBean().getUptime();
        long classesAtInit = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount();
        if (initOnly) {
            System.out.printf("{\"init_ms\":%.1f}%n", (initEnd - initStart) / 1e6);
            return;
        }
        Object first = handleRequest.invoke(handler, fresh(event), null);
        long firstEnd = System.nanoTime();
        long firstWall = System.currentTimeMillis();
        long firstInvokeClasses = ManagementFactory.getClassLoadingMXBean().getTotalLoadedClassCount() - classesAtInit;
        System.out.println("FIRST " + status(first));
        System.out.flush();

        double[] warm = new double[warmInvokes];
        int lastStatus = status(first);
        for (int i = 0; i < warmInvokes; i++) {
            long started = System.nanoTime();
            lastStatus = status(handleRequest.invoke(handler, fresh(event), null));
            warm[i] = (System.nanoTime() - started) / 1e6;
        }
        // the warm figure: the median of the second half, when the first invokes' compilation is done
        double[] settled = Arrays.copyOfRange(warm, warmInvokes / 2, warmInvokes);
        Arrays.sort(settled);
        System.out.printf("{\"status\":%d,\"jvm_to_main_ms\":%d,\"init_ms\":%.1f,\"first_invoke_ms\":%.1f,"
                        + "\"jvm_to_first_response_ms\":%d,\"warm_invoke_ms\":%.2f,\"warm_status\":%d,"
                        + "\"first_invoke_classes\":%d,\"init_end_uptime_ms\":%d}%n",
                status(first), mainStart - jvmStart, (initEnd - initStart) / 1e6, (firstEnd - initEnd) / 1e6,
                firstWall - jvmStart, settled.length == 0 ? Double.NaN : settled[settled.length / 2], lastStatus,
                firstInvokeClasses, initEndUptime);
    }

    /** The handler's {@code handleRequest(event, context)} (also the sizing benchmark's probe's). */
    public static Method handleRequest(Class<?> type) {
        return Arrays.stream(type.getMethods())
                .filter(m -> m.getName().equals("handleRequest") && m.getParameterCount() == 2 && !m.isBridge()
                        && !Modifier.isStatic(m.getModifiers()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException(type + " has no handleRequest(event, context)"));
    }

    /**
     * Lambda's own event format: property names as AWS writes them ({@code Records}, {@code NewImage},
     * {@code S}), and the Joda times of a scheduled event ({@code "time": "2026-12-01T03:00:00Z"}).
     */
    public static ObjectMapper mapper() {
        return JsonMapper.builder()
                .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
                .configure(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES, true)
                .addModules(JodaTimes.moduleIfPresent())
                .build();
    }

    /** The event with a new request id, as every Lambda invocation has. */
    public static Object fresh(Object event) {
        if (event instanceof APIGatewayV2HTTPEvent http && http.getRequestContext() != null) {
            http.getRequestContext().setRequestId(UUID.randomUUID().toString());
        }
        return event;
    }

    /** The HTTP status a response stands for (a stream batch with failures: 500; nothing: 204). */
    public static int status(Object response) {
        if (response instanceof APIGatewayV2HTTPResponse http) {
            return http.getStatusCode();
        }
        if (response instanceof StreamsEventResponse stream) {
            return stream.getBatchItemFailures() == null || stream.getBatchItemFailures().isEmpty() ? 200 : 500;
        }
        return response == null ? 204 : 200;
    }

    /** Joda's {@code DateTime} read from ISO text, in jars that carry Joda (not the hello world's). */
    private static final class JodaTimes {

        static List<Module> moduleIfPresent() {
            try {
                Class.forName("org.joda.time.DateTime", false, ColdStartProbe.class.getClassLoader());
            } catch (ClassNotFoundException absent) {
                return List.of();
            }
            return List.of(new SimpleModule().addDeserializer(DateTime.class, new FromStringDeserializer<>(DateTime.class) {
                @Override
                protected DateTime _deserialize(String value, DeserializationContext context) {
                    return DateTime.parse(value);
                }
            }));
        }
    }
}
