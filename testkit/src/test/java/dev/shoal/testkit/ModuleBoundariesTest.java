package dev.shoal.testkit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;

/**
 * The module boundaries of docs/architecture.md, checked on the compiled classes of every module
 * that testkit sees (all but the SDK, which checks itself). Dependencies point one way: protocol ←
 * swarm ← control-plane / edge-agent; protocol ← test-support (the fixtures of every module's
 * tests); no Spring outside the control plane; and the engine's command line (module swarm-cli,
 * which no other module depends on) stays out of the engine and the control plane.
 */
@AnalyzeClasses(packages = "dev.shoal", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleBoundariesTest {

  /** Classes of module {@code from} may not use classes of any of the {@code forbidden} ones. */
  private static void knowsNothingOf(JavaClasses shoal, String from, String... forbidden) {
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

  @ArchTest
  static void protocolDependsOnNoOtherShoalModule(JavaClasses shoal) {
    knowsNothingOf(
        shoal, "protocol", "swarm", "controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  @ArchTest
  static void swarmDependsOnlyOnProtocol(JavaClasses shoal) {
    knowsNothingOf(shoal, "swarm", "controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  @ArchTest
  static void agentAndControlPlaneDoNotKnowEachOther(JavaClasses shoal) {
    knowsNothingOf(shoal, "agent", "controlplane", "sdk", "testkit", "testsupport");
    knowsNothingOf(shoal, "controlplane", "agent", "sdk", "testkit", "testsupport");
  }

  /** The fixture library serves every module's tests, so it may know protocol only. */
  @ArchTest
  static void testSupportDependsOnlyOnProtocol(JavaClasses shoal) {
    knowsNothingOf(shoal, "testsupport", "swarm", "controlplane", "agent", "sdk", "testkit");
  }

  @ArchTest
  static void theEngineAndTheControlPlaneCarryNoCommandLine(JavaClasses shoal) {
    noClasses()
        .that()
        .resideInAnyPackage("dev.shoal.swarm", "dev.shoal.controlplane..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("picocli..", "dev.shoal.swarm.cli..")
        .check(shoal);
  }

  @ArchTest
  static void noSpringOutsideTheControlPlane(JavaClasses shoal) {
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
