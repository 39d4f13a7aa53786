package dev.mlapi.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.Grant;
import dev.mlapi.catalog.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Each function jar carries only what its functions call: the AWS SDK services of its catalog
 * grants (no others), one HTTP client (URL connection: no Apache, Netty or CRT client), no async
 * client implementations, and native libraries for the deployed architecture only (Lambda x86_64,
 * as template.yaml and the stack deploy it). Sizes are in BENCHMARKS.md ({@code JarSizes}).
 */
class JarContentsTest {

    /** Where the SDK keeps one service per folder. */
    private static final Pattern SERVICE = Pattern.compile("software/amazon/awssdk/services/([a-z0-9]+)/.*");
    /** Lambda's event source mappings act with these; the function's own code does not. */
    private static final Set<String> EVENT_SOURCE_ACTIONS = Set.of("sqs:ReceiveMessage", "sqs:DeleteMessage",
            "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility");
    /** HTTP clients the SDK could bring besides the URL-connection one, and their libraries. */
    private static final List<String> OTHER_HTTP_CLIENTS = List.of("software/amazon/awssdk/http/apache/",
            "software/amazon/awssdk/http/apache5/", "software/amazon/awssdk/http/nio/", "software/amazon/awssdk/http/crt/",
            "software/amazon/awssdk/crt/", "io/netty/", "org/apache/http/", "org/apache/hc/");
    private static final long LAMBDA_UNZIPPED_LIMIT = 250L * 1024 * 1024;

    static Path root;

    @BeforeAll
    static void read() {
        root = LocalServer.repositoryRoot();
    }

    /** Module → the functions deployed from its jar. */
    private static Map<String, List<FunctionSpec>> modules() {
        Map<String, List<FunctionSpec>> modules = new LinkedHashMap<>();
        FunctionCatalog.ALL.forEach(spec -> modules.computeIfAbsent(spec.module(), m -> new ArrayList<>()).add(spec));
        return modules;
    }

    /** The SDK services the functions' own code calls, from their grants (dynamodb, s3, sqs, secretsmanager). */
    static SortedSet<String> servicesCalled(List<FunctionSpec> specs) {
        SortedSet<String> services = new TreeSet<>();
        for (FunctionSpec spec : specs) {
            for (Grant grant : spec.grants()) {
                if (grant.resource() == Resource.OWN_LOG_GROUP || grant.resource() == Resource.OWN_FAILURE_QUEUE
                        || grant.resource().kind() == Resource.Kind.TABLE_STREAM) {
                    continue; // written or read by Lambda itself: logs, on-failure destination, stream polling
                }
                grant.actions().stream().filter(action -> !EVENT_SOURCE_ACTIONS.contains(action))
                        .map(action -> action.substring(0, action.indexOf(':')))
                        .forEach(services::add);
            }
        }
        return services;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            return file.stream().map(ZipEntry::getName).toList();
        }
    }

    @Test
    void everyFunctionJar_carriesTheSdkServicesOfItsGrants_andNoOther() throws IOException {
        for (var module : modules().entrySet()) {
            Path jar = root.resolve(module.getValue().get(0).jarPath());
            SortedSet<String> inJar = new TreeSet<>();
            for (String name : entries(jar)) {
                Matcher m = SERVICE.matcher(name);
                if (m.matches()) {
                    inJar.add(m.group(1));
                }
            }
            assertThat(inJar).as("%s: SDK services in the jar against the grants of %s", jar.getFileName(),
                    module.getValue().stream().map(FunctionSpec::name).toList())
                    .isEqualTo(servicesCalled(module.getValue()));
        }
    }

    @Test
    void everyFunctionJar_hasOneHttpClient_noAsyncClients_andNoUnreadSdkData() throws IOException {
        for (String module : modules().keySet()) {
            Path jar = root.resolve("functions/" + module + "/target/" + module + ".jar");
            List<String> names = entries(jar);
            assertThat(names).as("%s: other HTTP clients", jar.getFileName())
                    .noneMatch(name -> OTHER_HTTP_CLIENTS.stream().anyMatch(name::startsWith));
            if (names.stream().anyMatch(name -> SERVICE.matcher(name).matches())) {
                assertThat(names).as("%s: the URL-connection client", jar.getFileName())
                        .contains("software/amazon/awssdk/http/urlconnection/UrlConnectionHttpClient.class");
            }
            assertThat(names).as("%s: async client implementations, async paginators and waiters", jar.getFileName())
                    .noneMatch(name -> name.matches("software/amazon/awssdk/services/[a-z0-9]+/(Default|Delegating)\\w*AsyncClient(\\$.*)?\\.class")
                            || name.matches("software/amazon/awssdk/services/[a-z0-9]+/paginators/\\w+Publisher(\\$.*)?\\.class")
                            || name.matches("software/amazon/awssdk/services/[a-z0-9]+/waiters/Default\\w*AsyncWaiter.*\\.class"));
            assertThat(names).as("%s: data nothing reads", jar.getFileName())
                    .doesNotContain("software/amazon/awssdk/regions/internal/region/endpoints.json", "classesloaded.txt")
                    .noneMatch(name -> name.startsWith("META-INF/maven/") && name.endsWith("/pom.xml"))
                    .noneMatch(name -> name.startsWith("META-INF/native-image/"));
        }
    }

    @Test
    void nativeLibraries_areForTheDeployedArchitectureOnly() throws IOException {
        // template.yaml (and the stack, ParityTest) deploy every function on x86_64
        assertThat(Files.readString(root.resolve("template.yaml"))).contains("Architectures:\n    - x86_64");
        for (String module : modules().keySet()) {
            Path jar = root.resolve("functions/" + module + "/target/" + module + ".jar");
            for (String name : entries(jar)) {
                if (name.startsWith("ai/onnxruntime/native/") && !name.endsWith("/")) {
                    assertThat(name).as(jar.getFileName() + ": ONNX Runtime natives").startsWith("ai/onnxruntime/native/linux-x64/");
                }
                if (name.startsWith("com/sun/jna/") && (name.endsWith(".so") || name.endsWith(".dll")
                        || name.endsWith(".jnilib") || name.endsWith(".a"))) {
                    assertThat(name).as(jar.getFileName() + ": JNA natives").startsWith("com/sun/jna/linux-x86-64/");
                }
            }
        }
    }

    /**
     * libjpeg-turbo's TurboJPEG library (classify's JPEG decoder) is in the classify jar alone, for
     * linux-x86-64 alone, with its provenance and licence beside it.
     */
    @Test
    void turboJpeg_isInTheClassifyJarOnly_forTheDeployedArchitecture_withItsLicence() throws IOException {
        String folder = "dev/mlapi/classify/image/turbojpeg/linux-x86-64/";
        for (String module : modules().keySet()) {
            Path jar = root.resolve("functions/" + module + "/target/" + module + ".jar");
            List<String> found = entries(jar).stream()
                    .filter(name -> name.toLowerCase(java.util.Locale.ROOT).contains("turbojpeg") && !name.endsWith("/")
                            && !name.endsWith(".class"))
                    .sorted().toList();
            assertThat(found).as(jar.getFileName() + ": TurboJPEG files").isEqualTo(module.equals("classify")
                    ? List.of(folder + "COPYRIGHT.libjpeg-turbo", folder + "PROVENANCE.md", folder + "libturbojpeg.so")
                    : List.of());
        }
    }

    @Test
    void everyFunctionJar_unzipsWithinLambdasLimit() throws IOException {
        for (String module : modules().keySet()) {
            Path jar = root.resolve("functions/" + module + "/target/" + module + ".jar");
            long unzipped = 0;
            try (JarFile file = new JarFile(jar.toFile())) {
                unzipped = file.stream().mapToLong(ZipEntry::getSize).sum();
            }
            assertThat(unzipped).as("%s unzipped bytes", jar.getFileName()).isLessThanOrEqualTo(LAMBDA_UNZIPPED_LIMIT);
        }
    }
}
