package dev.shoal.controlplane;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.RestController;

/** Package by feature, kept honest: no cycles between features, web and wiring stay private. */
class PackageStructureTest {

  private static JavaClasses controlPlane;

  @BeforeAll
  static void importClasses() {
    controlPlane =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shoal.controlplane");
  }

  @Test
  void featuresDoNotDependOnEachOtherInCycles() {
    slices().matching("dev.shoal.controlplane.(*)..").should().beFreeOfCycles().check(controlPlane);
  }

  @Test
  void controllersAndConfigurationsArePackagePrivate() {
    classes()
        .that()
        .areAnnotatedWith(RestController.class)
        .or()
        .areAnnotatedWith(Configuration.class)
        .should()
        .notHaveModifier(JavaModifier.PUBLIC)
        .check(controlPlane);
  }
}
