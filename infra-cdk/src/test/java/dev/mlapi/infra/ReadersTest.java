package dev.mlapi.infra;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.catalog.OpenApiRoutes;
import dev.mlapi.catalog.ApiRoute;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.CloudFormationYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;

/** The small readers and rules the stack is assembled from, without synthesizing anything. */
class ReadersTest {

    @TempDir
    Path dir;

    @Test
    void openApiRoutes_readsEveryOperationWithItsFunction_andWhetherItRequiresAToken() throws IOException {
        Path openApi = write("openapi.yaml", """
                openapi: 3.0.3
                security: [{bearer: []}]
                paths:
                  /b/{id}:
                    parameters: [{name: id, in: path, required: true}]
                    delete: {x-function: beta}
                    get: {x-function: beta, security: [{}, {bearer: []}]}
                  /a:
                    post: {x-function: alpha, security: []}
                  /c:
                    put: {x-function: alpha, security: [{bearer: []}, {password: []}]}
                """);
        assertThat(OpenApiRoutes.read(openApi)).containsExactly(
                new ApiRoute("POST", "/a", "alpha", false),
                new ApiRoute("DELETE", "/b/{id}", "beta", true),
                new ApiRoute("GET", "/b/{id}", "beta", false),
                new ApiRoute("PUT", "/c", "alpha", true));
    }

    @Test
    void openApiRoutes_whenAnOperationNamesNoFunction_fails() throws IOException {
        Path openApi = write("openapi.yaml", "paths:\n  /a:\n    get: {summary: no function}\n");
        assertThatThrownBy(() -> OpenApiRoutes.read(openApi))
                .hasMessageContaining("GET /a").hasMessageContaining("x-function");
    }

    @Test
    void functionCode_prefersTheBuiltJar_elseThePlaceholder_elseFailsWithWhatToBuild() throws IOException {
        FunctionSpec spec = spec("alpha", Duration.ofSeconds(5), "why");
        Path placeholder = Files.createDirectories(dir.resolve("placeholder"));
        assertThat(FunctionCode.locate(spec, dir, Optional.of(placeholder))).isEqualTo(placeholder);
        assertThatThrownBy(() -> FunctionCode.locate(spec, dir, Optional.empty()))
                .hasMessageContaining("functions/alpha/target/alpha.jar").hasMessageContaining("package");
        Path jar = write("functions/alpha/target/alpha.jar", "jar");
        assertThat(FunctionCode.locate(spec, dir, Optional.of(placeholder))).isEqualTo(jar);
    }

    @Test
    void functionSpec_refusesTimeoutsApiGatewayWouldCutAndUnexplainedSizes() {
        assertThatThrownBy(() -> spec("alpha", Duration.ofSeconds(30), "why")).hasMessageContaining("29");
        assertThatThrownBy(() -> spec("alpha", Duration.ofSeconds(5), " ")).hasMessageContaining("why");
        assertThatThrownBy(() -> spec("Alpha", Duration.ofSeconds(5), "why")).hasMessageContaining("module folder");
    }

    @Test
    void functionCatalog_namesAreUniqueAndEachHasAReason() {
        assertThat(FunctionCatalog.ALL).extracting(FunctionSpec::name).doesNotHaveDuplicates();
        assertThat(FunctionCatalog.ALL).allSatisfy(spec -> assertThat(spec.sizingReason()).isNotBlank());
    }

    @Test
    void stackSettings_defaultToAProtectedStackDeployedFromInfraCdk() {
        StackSettings settings = StackSettings.fromContext(new App().getNode());
        assertThat(settings.repositoryRoot()).isEqualTo(Path.of("..").toAbsolutePath().normalize());
        assertThat(settings.deletionProtection()).isTrue();
        assertThat(settings.adminUsername()).isEqualTo("admin");
        assertThat(settings.corsAllowOrigins()).containsExactly("*");
        assertThat(settings.missingJarPlaceholder()).isEmpty();
        App app = App.Builder.create().context(Map.of(StackSettings.DELETION_PROTECTION, "false",
                StackSettings.CORS_ALLOW_ORIGINS, "https://a.example, https://b.example")).build();
        StackSettings custom = StackSettings.fromContext(app.getNode());
        assertThat(custom.deletionProtection()).isFalse();
        assertThat(custom.corsAllowOrigins()).containsExactly("https://a.example", "https://b.example");
    }

    @Test
    void cloudFormationYaml_readsShortTagsAsIntrinsics() throws IOException {
        Path template = write("template.yaml", """
                Resources:
                  Thing:
                    Properties:
                      Name: !Ref Other
                      Arn: !GetAtt Other.Arn
                      Url: !Sub "https://${Api}.example"
                      Joined: !Join ["", [a, !Ref B]]
                      Flow: {ApiId: !Ref HttpApi, Path: "/x/{id}"}
                """);
        Map<String, Object> properties = Cfn.at(CloudFormationYaml.load(template),
                "Resources", "Thing", "Properties");
        assertThat(properties).containsEntry("Name", Map.of("Ref", "Other"))
                .containsEntry("Arn", Map.of("Fn::GetAtt", List.of("Other", "Arn")))
                .containsEntry("Url", Map.of("Fn::Sub", "https://${Api}.example"))
                .containsEntry("Joined", Map.of("Fn::Join", List.of("", List.of("a", Map.of("Ref", "B")))))
                .containsEntry("Flow", Map.of("ApiId", Map.of("Ref", "HttpApi"), "Path", "/x/{id}"));
    }

    private static FunctionSpec spec(String name, Duration timeout, String reason) {
        return FunctionSpec.http(name).setDescription("A function.").setHandler("dev.example.Handler::handleRequest")
                .setSize(512, timeout, reason).build();
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }
}
