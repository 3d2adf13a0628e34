package dev.shoal.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Every module's tests use this library (control-plane's too, which testkit depends on), so it may
 * depend on protocol and plain libraries only: no other Shoal module, no Spring.
 */
class ArchitectureTest {

  @Test
  void dependsOnProtocolAndPlainLibrariesOnly() {
    JavaClasses testSupport =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shoal.testsupport");
    classes()
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "dev.shoal.testsupport..",
            "dev.shoal.protocol..",
            "java..",
            "javax.sql..",
            "tools.jackson..",
            "io.zonky.test.db.postgres..",
            "org.apache.commons.compress..")
        .check(testSupport);
  }
}
