package dev.shoal.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
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

  /**
   * Which package may use which. The CLI and the wiring ({@code Agent}, {@code AgentConfig}) sit on
   * top; the local API and the status page serve what the features below them hold; an install job
   * uses the control-plane client and the swarm, never the player-facing packages; consent sends
   * its outbox through the control-plane client; the control-plane client knows only the device's
   * identity and the data directory.
   */
  @Test
  void packagesDependOnlyDownwards() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("Cli")
        .definedBy("dev.shoal.agent.cli..")
        .layer("Wiring")
        .definedBy("dev.shoal.agent")
        .layer("LocalApi")
        .definedBy("dev.shoal.agent.localapi..")
        .layer("Status")
        .definedBy("dev.shoal.agent.status..")
        .layer("Install")
        .definedBy("dev.shoal.agent.install..")
        .layer("Transfer")
        .definedBy("dev.shoal.agent.transfer..")
        .layer("PortMap")
        .definedBy("dev.shoal.agent.portmap..")
        .layer("Consent")
        .definedBy("dev.shoal.agent.consent..")
        .layer("ControlPlane")
        .definedBy("dev.shoal.agent.controlplane..")
        .layer("Bandwidth")
        .definedBy("dev.shoal.agent.bandwidth..")
        .whereLayer("Cli")
        .mayNotBeAccessedByAnyLayer()
        .whereLayer("Wiring")
        .mayOnlyBeAccessedByLayers("Cli")
        .whereLayer("LocalApi")
        .mayOnlyBeAccessedByLayers("Wiring", "Cli")
        .whereLayer("Status")
        .mayOnlyBeAccessedByLayers("Wiring", "LocalApi", "Cli")
        .whereLayer("Install")
        .mayOnlyBeAccessedByLayers("Wiring", "LocalApi", "Status")
        .whereLayer("Transfer")
        .mayOnlyBeAccessedByLayers("Wiring", "Install")
        .whereLayer("PortMap")
        .mayOnlyBeAccessedByLayers("Wiring", "Transfer")
        .whereLayer("Consent")
        .mayOnlyBeAccessedByLayers("Wiring", "LocalApi", "Status", "Cli")
        .whereLayer("ControlPlane")
        .mayOnlyBeAccessedByLayers("Wiring", "Install", "Consent", "LocalApi", "Cli")
        .whereLayer("Bandwidth")
        .mayOnlyBeAccessedByLayers("Wiring", "Transfer", "Consent", "LocalApi", "Status", "Cli")
        .check(CLASSES);
  }

  /** The data directory, identity, JSON and thread helpers are the base: they use no feature. */
  @Test
  void basePackagesUseNoFeature() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.shoal.agent.fs..",
            "dev.shoal.agent.identity..",
            "dev.shoal.agent.json..",
            "dev.shoal.agent.threads..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.agent",
            "dev.shoal.agent.cli..",
            "dev.shoal.agent.localapi..",
            "dev.shoal.agent.status..",
            "dev.shoal.agent.install..",
            "dev.shoal.agent.transfer..",
            "dev.shoal.agent.portmap..",
            "dev.shoal.agent.consent..",
            "dev.shoal.agent.controlplane..",
            "dev.shoal.agent.bandwidth..")
        .check(CLASSES);
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
