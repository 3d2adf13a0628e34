package dev.shoal.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of docs/architecture.md, checked on the compiled classes of every module
 * that testkit sees (all but the SDK, which checks itself). Dependencies point one way: protocol ←
 * swarm ← control-plane / edge-agent; protocol ← test-support (the fixtures of every module's
 * tests); and no Spring outside the control plane.
 */
class ModuleBoundariesTest {

  private static JavaClasses shoal;

  @BeforeAll
  static void importClasses() {
    shoal =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shoal");
  }

  @Test
  void protocolDependsOnNoOtherShoalModule() {
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.protocol..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.swarm..",
            "dev.shoal.controlplane..",
            "dev.shoal.agent..",
            "dev.shoal.sdk..",
            "dev.shoal.testkit..",
            "dev.shoal.testsupport..")
        .check(shoal);
  }

  @Test
  void swarmDependsOnlyOnProtocol() {
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.swarm..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.controlplane..",
            "dev.shoal.agent..",
            "dev.shoal.sdk..",
            "dev.shoal.testkit..",
            "dev.shoal.testsupport..")
        .check(shoal);
  }

  @Test
  void agentAndControlPlaneDoNotKnowEachOther() {
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.agent..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.controlplane..",
            "dev.shoal.sdk..",
            "dev.shoal.testkit..",
            "dev.shoal.testsupport..")
        .check(shoal);
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.controlplane..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.agent..",
            "dev.shoal.sdk..",
            "dev.shoal.testkit..",
            "dev.shoal.testsupport..")
        .check(shoal);
  }

  /** The fixture library serves every module's tests, so it may know protocol only. */
  @Test
  void testSupportDependsOnlyOnProtocol() {
    noClasses()
        .that()
        .resideInAPackage("dev.shoal.testsupport..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.swarm..",
            "dev.shoal.controlplane..",
            "dev.shoal.agent..",
            "dev.shoal.sdk..",
            "dev.shoal.testkit..")
        .check(shoal);
  }

  @Test
  void noSpringOutsideTheControlPlane() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.shoal.protocol..",
            "dev.shoal.swarm..",
            "dev.shoal.agent..",
            "dev.shoal.testsupport..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..")
        .check(shoal);
  }
}
