package dev.shoal.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** Module boundaries of the agent, checked on the compiled classes. */
class ArchitectureTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.shoal.agent");

  @Test
  void noSpringEver() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.springframework..")
        .check(CLASSES);
  }

  @Test
  void featurePackagesHaveNoCycles() {
    slices().matching("dev.shoal.agent.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void bandwidthPolicyIsPureLogicWithoutHttpOrConsentKnowledge() {
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.agent.bandwidth..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.agent.consent..",
            "dev.shoal.agent.localapi..",
            "dev.shoal.agent.status..",
            "dev.shoal.agent.cli..",
            "com.sun.net.httpserver..")
        .check(CLASSES);
  }

  @Test
  void onlyTheCliUsesPicocliAndOnlyTheLocalApiServesHttp() {
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.shoal.agent.cli..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("picocli..")
        .check(CLASSES);
    noClasses()
        .that()
        .resideOutsideOfPackage("dev.shoal.agent.localapi..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.sun.net.httpserver..")
        .check(CLASSES);
  }
}
