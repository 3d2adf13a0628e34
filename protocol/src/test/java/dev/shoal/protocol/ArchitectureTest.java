package dev.shoal.protocol;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The module's boundaries, checked on the compiled classes. */
@AnalyzeClasses(
    packages = "dev.shoal.protocol",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noSpring =
      noClasses().should().dependOnClassesThat().resideInAPackage("org.springframework..");

  /** One strict reader for all formats; a second, laxer use of Jackson would be a parsing hole. */
  @ArchTest
  static final ArchRule onlyTheJsonPackageTouchesJackson =
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
          .resideInAPackage("tools.jackson..");

  @ArchTest
  static final ArchRule subPackagesHaveNoCycles =
      slices().matching("dev.shoal.protocol.(*)..").should().beFreeOfCycles();
}
