package dev.shoal.controlplane;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.stereotype.Repository;
import org.springframework.stereotype.Service;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Package by feature, kept honest: no cycles between features, web and wiring stay private;
 * services speak the domain ({@code refusal.Refusal}), only the web layer speaks HTTP; the release
 * lifecycle has one package, one owner of its tables' SQL and one controller.
 */
class PackageStructureTest {

  private static final String ROOT = "dev.shoal.controlplane";
  private static JavaClasses controlPlane;

  @BeforeAll
  static void importClasses() {
    controlPlane =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
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

  @Test
  void servicesSpeakNoHttp() {
    noClasses()
        .that()
        .areAnnotatedWith(Service.class)
        .or()
        .areAnnotatedWith(Repository.class)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "org.springframework.http..", "org.springframework.web..", "jakarta.servlet..")
        .because("services throw refusal.Refusal; the web layer alone maps it to HTTP")
        .check(controlPlane);
  }

  @Test
  void onlyTheWebLayerMakesProblemsOfExceptions() {
    noClasses()
        .that()
        .resideOutsideOfPackage(ROOT + ".web..")
        .should()
        .dependOnClassesThat()
        .areAssignableTo(ErrorResponseException.class)
        .because("a refusal is a refusal.Refusal; web.ApiExceptionHandler maps it in one place")
        .check(controlPlane);
  }

  @Test
  void refusalsKnowNothingButJava() {
    classes()
        .that()
        .resideInAPackage(ROOT + ".refusal..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage("java..", ROOT + ".refusal..")
        .check(controlPlane);
  }

  @Test
  void controllersAreNamedSoAndOnlyTheyMapRequests() {
    classes()
        .that()
        .areAnnotatedWith(RestController.class)
        .should()
        .haveSimpleNameEndingWith("Controller")
        .check(controlPlane);
    noClasses()
        .that()
        .areNotAnnotatedWith(RestController.class)
        .and()
        .areNotAnnotatedWith(RestControllerAdvice.class)
        .should()
        .dependOnClassesThat()
        .resideInAPackage("org.springframework.web.bind.annotation..")
        .check(controlPlane);
  }

  /** {@code /api/v1/releases/{id}/**}: the release package's one controller; health its own. */
  @Test
  void oneControllerServesTheReleases() {
    List<String> misplaced = new ArrayList<>();
    for (JavaClass controller : controlPlane) {
      if (!controller.isAnnotatedWith(RestController.class)) {
        continue;
      }
      for (Method method : controller.reflect().getDeclaredMethods()) {
        RequestMapping mapping =
            AnnotatedElementUtils.findMergedAnnotation(method, RequestMapping.class);
        for (String path : mapping == null ? new String[0] : mapping.path()) {
          String expected =
              path.equals("/api/v1/releases/{id}/health")
                  ? ROOT + ".health.HealthController"
                  : ROOT + ".release.ReleasesController";
          if (path.startsWith("/api/v1/releases/") && !controller.getName().equals(expected)) {
            misplaced.add(path + " in " + controller.getName());
          }
        }
      }
    }
    assertThat(misplaced).isEmpty();
  }

  /** Only {@code release.Releases} writes the release tables; the others call it. */
  @Test
  void oneClassOwnsTheReleaseTablesSql() throws IOException {
    Pattern write =
        Pattern.compile(
            "(insert\\s+into|update|delete\\s+from)\\s+(release_state|releases|packs)\\b",
            Pattern.CASE_INSENSITIVE);
    Path sources = Path.of("src/main/java");
    Path owner = sources.resolve("dev/shoal/controlplane/release/Releases.java");
    List<Path> writers = new ArrayList<>();
    try (Stream<Path> files = Files.walk(sources)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
        if (write.matcher(Files.readString(file)).find()) {
          writers.add(file);
        }
      }
    }
    assertThat(writers).containsExactly(owner);
  }
}
