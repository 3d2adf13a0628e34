package dev.shoal.sdk;

import java.util.List;

/**
 * The result of {@link InstallHandle#verify()}: every installed file compared with the signed
 * manifest of the installed release.
 *
 * @param installId the install whose product/channel was verified
 * @param intact whether every file is present and correct
 * @param problems the files that are missing or wrong (empty when intact)
 */
public record Verification(String installId, boolean intact, List<FileProblem> problems) {

  /** Copies the list so the record stays immutable. */
  public Verification {
    problems = List.copyOf(problems);
  }

  /**
   * One damaged file.
   *
   * @param path its path inside the install directory, with {@code /} separators
   * @param kind what is wrong with it
   */
  public record FileProblem(String path, Kind kind) {}

  /** What is wrong with a file. */
  public enum Kind {
    /** The file is not there. */
    MISSING,
    /** The file's size or content differs from the manifest. */
    WRONG
  }
}
