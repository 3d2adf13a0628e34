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

  /** Classes of module {@code from} may not use classes of any of the {@code forbidden} ones. */
  private static void knowsNothingOf(String from, String... forbidden) {
    String[] packages = new String[forbidden.length];
    for (int i = 0; i < forbidden.length; i++) {
      packages[i] = "dev.shoal." + forbidden[i] + "..";
    }
    noClasses()
        .that()
        .resideInAPackage("dev.shoal." + from + "..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packages)
        .check(shoal);
  }

  @Test
  void protocolDependsOnNoOtherShoalModule() {
    knowsNothingOf("protocol", "swarm", "controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  @Test
  void swarmDependsOnlyOnProtocol() {
    knowsNothingOf("swarm", "controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  @Test
  void agentAndControlPlaneDoNotKnowEachOther() {
    knowsNothingOf("agent", "controlplane", "sdk", "testkit", "testsupport");
    knowsNothingOf("controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  /** The fixture library serves every module's tests, so it may know protocol only. */
  @Test
  void testSupportDependsOnlyOnProtocol() {
    knowsNothingOf("testsupport", "swarm", "controlplane", "agent", "sdk", "testkit");
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
