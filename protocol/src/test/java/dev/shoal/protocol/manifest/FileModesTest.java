package dev.shoal.protocol.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;

class FileModesTest {

  @Test
  void lowNineBitsMapToPosixPermissions() {
    assertThat(PosixFilePermissions.toString(FileModes.permissions(0750))).isEqualTo("rwxr-x---");
    assertThat(PosixFilePermissions.toString(FileModes.permissions(0644))).isEqualTo("rw-r--r--");
    assertThat(FileModes.permissions(0)).isEmpty();
  }

  @Test
  void setuidSetgidAndStickyAreNeverApplied() {
    assertThat(FileModes.permissions(07755)).isEqualTo(FileModes.permissions(0755));
  }
}
