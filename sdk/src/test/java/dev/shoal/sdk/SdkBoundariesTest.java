package dev.shoal.sdk;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The SDK is what a launcher embeds: it speaks HTTP to the agent and knows no other Shoal module.
 */
class SdkBoundariesTest {

  @Test
  void sdkKnowsNoOtherShoalModule() {
    JavaClasses sdk =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shoal.sdk");
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.protocol..",
            "dev.shoal.swarm..",
            "dev.shoal.controlplane..",
            "dev.shoal.agent..",
            "dev.shoal.testkit..",
            "dev.shoal.testsupport..",
            "org.springframework..")
        .check(sdk);
  }

  /** The example launcher shows what a launcher can do with the SDK alone. */
  @Test
  void theExampleLauncherUsesTheSdkOnly() {
    JavaClasses examples = new ClassFileImporter().importPackages("dev.shoal.sdk.examples");
    classes()
        .that()
        .resideInAPackage("dev.shoal.sdk.examples")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.shoal.sdk..", "java..")
        .check(examples);
  }
}
