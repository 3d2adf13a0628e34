package dev.shoal.testsupport;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;

/**
 * Every module's tests use this library (control-plane's too, which testkit depends on), so it may
 * depend on protocol and plain libraries only: no other Shoal module, no Spring.
 */
@AnalyzeClasses(
    packages = "dev.shoal.testsupport",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  private static final String[] ALLOWED = {
    "dev.shoal.testsupport..",
    "dev.shoal.protocol..",
    "java..",
    "javax.sql..",
    "com.sun.net.httpserver..",
    "tools.jackson..",
    "io.zonky.test.db.postgres..",
    "org.apache.commons.compress.."
  };

  @ArchTest
  static void dependsOnProtocolAndPlainLibrariesOnly(JavaClasses testSupport) {
    classes().should().onlyDependOnClassesThat().resideInAnyPackage(ALLOWED).check(testSupport);
  }
}
