package dev.shoal.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  static final String URL = "http://127.0.0.1:4321/?session=abc";

  @Test
  void opensThePageWithThePlatformOpener() {
    assertThat(StatusCommand.openerCommand("Linux", URL)).containsExactly("xdg-open", URL);
    assertThat(StatusCommand.openerCommand("FreeBSD", URL)).containsExactly("xdg-open", URL);
    assertThat(StatusCommand.openerCommand("Mac OS X", URL)).containsExactly("open", URL);
    assertThat(StatusCommand.openerCommand("Windows 11", URL))
        .containsExactly("rundll32", "url.dll,FileProtocolHandler", URL);
  }

  /** The jlink runtime leaves out java.desktop, so nothing may use AWT/Swing. */
  @Test
  void nothingNeedsTheJavaDesktopModule() {
    JavaClasses classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.shoal.agent");
    ArchRuleDefinition.noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.awt..", "javax.swing..", "java.beans..")
        .check(classes);
  }
}
