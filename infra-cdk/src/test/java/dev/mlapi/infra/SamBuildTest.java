package dev.mlapi.infra;

import static dev.mlapi.infra.support.Cfn.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mlapi.catalog.FunctionCatalog;
import dev.mlapi.catalog.FunctionSpec;
import dev.mlapi.infra.sam.SamTemplateGenerator;
import dev.mlapi.infra.support.Cfn;
import dev.mlapi.infra.support.CloudFormationYaml;
import dev.mlapi.infra.support.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code sam build} on template.yaml: every function is built by its module's Makefile
 * ({@code BuildMethod: makefile}, {@code CodeUri} the module's folder), which copies the jar the
 * reactor built to {@code $(ARTIFACTS_DIR)/lib/}. A jar as {@code CodeUri} made {@code sam build}
 * fail with "Not a directory: …/login.jar". The SAM CLI is not installed here, so this runs
 * the Makefile target {@code sam build} would run, with {@code make} itself.
 */
class SamBuildTest {

    private static final Map<String, Object> TEMPLATE = CloudFormationYaml.load(Repository.SAM_TEMPLATE);

    @Test
    void everyFunction_isBuiltByItsModulesMakefile_fromItsModulesFolder() {
        Map<String, Map<String, Object>> functions = Cfn.resourcesOfType(TEMPLATE, "AWS::Serverless::Function");
        assertThat(functions).hasSize(FunctionCatalog.ALL.size());
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            String id = spec.logicalName() + "Function";
            Map<String, Object> resource = map(Cfn.resources(TEMPLATE).get(id));
            assertThat(map(resource.get("Metadata"))).as(id).containsEntry("BuildMethod", "makefile");
            String codeUri = String.valueOf(functions.get(id).get("CodeUri"));
            assertThat(codeUri).as(id).isEqualTo("functions/" + spec.module());
            assertThat(Repository.ROOT.resolve(codeUri)).as(id + "'s CodeUri is a folder").isDirectory();
            assertThat(Repository.ROOT.resolve(codeUri).resolve("Makefile")).as(id).isRegularFile();
        }
    }

    @Test
    void committedMakefiles_areTheGeneratedOnes_withATargetPerFunction() throws IOException {
        Map<String, String> generated = SamTemplateGenerator.makefiles(FunctionCatalog.ALL);
        for (Map.Entry<String, String> makefile : generated.entrySet()) {
            assertThat(Files.readString(Repository.ROOT.resolve(makefile.getKey()), StandardCharsets.UTF_8))
                    .as(makefile.getKey() + " is stale: regenerate it with `" + SamTemplateGenerator.COMMAND + "`")
                    .isEqualTo(makefile.getValue());
        }
        for (FunctionSpec spec : FunctionCatalog.ALL) {
            assertThat(generated.get("functions/" + spec.module() + "/Makefile")).as(spec.name())
                    .contains("build-" + spec.logicalName() + "Function");
        }
    }

    @Test
    void makefileTarget_putsTheBuiltJarOnLambdasClasspath(@TempDir Path artifacts) throws Exception {
        FunctionSpec spec = FunctionCatalog.IMAGE_SWEEPER;
        Path module = Repository.ROOT.resolve(SamTemplateGenerator.codeUri(spec));
        assumeTrue(Files.isRegularFile(Repository.ROOT.resolve(spec.jarPath())), spec.jarPath() + " is not built");
        assumeTrue(onPath("make"), "make is not installed");
        Process make = new ProcessBuilder("make", "-f", module.resolve("Makefile").toString(),
                "build-" + spec.logicalName() + "Function", "ARTIFACTS_DIR=" + artifacts)
                .directory(module.toFile()).redirectErrorStream(true).start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(make.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(make.exitValue()).as(output).isZero();
        Path jar = artifacts.resolve("lib").resolve(spec.module() + ".jar");
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            assertThat(zip.getEntry(spec.handlerClass().replace('.', '/') + ".class")).as(jar.toString()).isNotNull();
        }
    }

    private static boolean onPath(String program) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }
}
