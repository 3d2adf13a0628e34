package dev.shoal.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The module's boundaries, checked on the compiled classes. */
class ArchitectureTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.shoal.protocol");

  @Test
  void noSpring() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.springframework..")
        .check(CLASSES);
  }

  @Test
  void onlyTheJsonPackageTouchesJackson() {
    // One strict reader for all formats; a second, laxer use of Jackson would be a parsing hole.
    noClasses()
        .that()
        .resideInAnyPackage(
            "dev.shoal.protocol.manifest..",
            "dev.shoal.protocol.signing..",
            "dev.shoal.protocol.crypto..",
            "dev.shoal.protocol.chunking..",
            "dev.shoal.protocol.pack..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("tools.jackson..")
        .check(CLASSES);
  }

  @Test
  void subPackagesHaveNoCycles() {
    slices().matching("dev.shoal.protocol.(*)..").should().beFreeOfCycles().check(CLASSES);
  }
}
