package dev.shoal.swarm.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The command line needs the engine, the protocol, picocli and the JDK, nothing else. */
class ArchitectureTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.shoal.swarm.cli");

  @Test
  void dependsOnTheEngineAndPicocliOnly() {
    classes()
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("dev.shoal.swarm..", "dev.shoal.protocol..", "picocli..", "java..", "")
        .check(CLASSES);
  }
}
