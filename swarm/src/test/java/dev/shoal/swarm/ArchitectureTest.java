package dev.shoal.swarm;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noMethods;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** One public entry class plus the value types callers need; everything else package-private. */
class ArchitectureTest {
  static final JavaClasses CLASSES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("dev.shoal.swarm");

  @Test
  void onlyTheApiIsPublic() {
    classes()
        .that()
        .haveModifier(JavaModifier.PUBLIC)
        .and()
        .areTopLevelClasses()
        .should()
        .haveNameMatching(
            "dev[.]shoal[.]swarm[.](Swarm|SwarmConfig|TorrentJob|TorrentHandle|Progress|PeerSnapshot|UploadBudget)")
        .check(CLASSES);
  }

  @Test
  void noSpringAndNoTtorrent() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("org.springframework..", "com.turn..")
        .check(CLASSES);
  }

  /** The engine is a library: its command line is the swarm-cli module, not part of this jar. */
  @Test
  void noCommandLine() {
    noClasses().should().dependOnClassesThat().resideInAPackage("picocli..").check(CLASSES);
    noMethods().should().haveName("main").check(CLASSES);
  }
}
