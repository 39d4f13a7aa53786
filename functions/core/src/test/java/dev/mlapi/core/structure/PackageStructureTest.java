package dev.mlapi.core.structure;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Core's packages form a hierarchy, and only handlers and the local server use the wiring. */
class PackageStructureTest {

    private static final JavaClasses CORE = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.mlapi.core");

    @Test
    void corePackages_areFreeOfCycles() {
        slices().matching("dev.mlapi.core.(*)..").should().beFreeOfCycles().check(CORE);
    }

    @Test
    void nothingInCore_dependsOnTheWiring_servicesGetWhatTheyUse() {
        // TaskQueue.of(Wiring, QueueSpec) is the one exception: the task queue's factory that DESIGN-20 names.
        noClasses().that().resideInAPackage("dev.mlapi.core.*..")
                .and().doNotHaveFullyQualifiedName("dev.mlapi.core.queue.TaskQueue")
                .should().dependOnClassesThat().haveFullyQualifiedName("dev.mlapi.core.Wiring")
                .check(CORE);
    }

    @Test
    void theDomainAndThePipeline_doNotTouchTheSdk() {
        noClasses().that().resideInAnyPackage("dev.mlapi.core.auth..", "dev.mlapi.core.users..",
                        "dev.mlapi.core.requestlog..", "dev.mlapi.core.http..", "dev.mlapi.core.error..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .check(CORE);
    }
}
