package dev.shoal.controlplane.upload;

import static dev.shoal.controlplane.refusal.Refusal.Kind.INVALID;

import dev.shoal.controlplane.identity.Caller;
import dev.shoal.controlplane.refusal.Refusal;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.net.URI;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Build uploads, streamed. A client that lost its connection asks how much arrived ({@code HEAD} or
 * {@code GET}, header {@code Upload-Offset}) and sends the rest with {@code Content-Range: bytes
 * <offset>-<last>/<total>}.
 */
@RestController
record UploadsController(Uploads uploads) {

  private static final Pattern CONTENT_RANGE =
      Pattern.compile("bytes (\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");
  static final String UPLOAD_OFFSET = "Upload-Offset";

  @Operation(summary = "Open an upload session for a product's next build (RELEASE_MANAGER)")
  @PostMapping("/api/v1/products/{slug}/uploads")
  ResponseEntity<Uploads.Upload> create(Caller caller, @PathVariable String slug) {
    Uploads.Upload upload = uploads.create(caller.organisationId(), slug);
    return ResponseEntity.created(URI.create("/api/v1/uploads/" + upload.id())).body(upload);
  }

  @Operation(summary = "An upload session")
  @GetMapping("/api/v1/uploads/{id}")
  Uploads.Upload get(Caller caller, @PathVariable UUID id) {
    return uploads.get(caller.organisationId(), id);
  }

  @Operation(summary = "Send one file, or a range of it (Content-Range) to resume")
  @PutMapping("/api/v1/uploads/{id}/files")
  ResponseEntity<Uploads.Received> putFile(
      Caller caller,
      @PathVariable UUID id,
      @RequestParam String path,
      @RequestHeader(value = "Content-Range", required = false) String contentRange,
      HttpServletRequest request)
      throws IOException {
    return received(
        uploads.write(
            caller.organisationId(), id, path, range(contentRange), request.getInputStream()));
  }

  @Operation(summary = "How many bytes of a file arrived (header Upload-Offset)")
  @RequestMapping(
      value = "/api/v1/uploads/{id}/files",
      method = {RequestMethod.GET, RequestMethod.HEAD})
  ResponseEntity<Uploads.Received> fileOffset(
      Caller caller, @PathVariable UUID id, @RequestParam String path) {
    return received(uploads.received(caller.organisationId(), id, path));
  }

  @Operation(summary = "Send the build as one tar, tar.gz or zip archive (resumable)")
  @PutMapping("/api/v1/uploads/{id}/archive")
  ResponseEntity<Uploads.Received> putArchive(
      Caller caller,
      @PathVariable UUID id,
      @RequestHeader(value = "Content-Range", required = false) String contentRange,
      HttpServletRequest request)
      throws IOException {
    // The archive is stored as the upload's one file without a path.
    return putFile(caller, id, null, contentRange, request);
  }

  @Operation(summary = "How many bytes of the archive arrived (header Upload-Offset)")
  @RequestMapping(
      value = "/api/v1/uploads/{id}/archive",
      method = {RequestMethod.GET, RequestMethod.HEAD})
  ResponseEntity<Uploads.Received> archiveOffset(Caller caller, @PathVariable UUID id) {
    return received(uploads.received(caller.organisationId(), id, null));
  }

  @Operation(summary = "Seal the upload: unpack the archive, check every file arrived whole")
  @PostMapping("/api/v1/uploads/{id}/complete")
  Uploads.Upload complete(Caller caller, @PathVariable UUID id) throws IOException {
    return uploads.complete(caller.organisationId(), id);
  }

  private static ResponseEntity<Uploads.Received> received(Uploads.Received received) {
    return ResponseEntity.ok()
        .header(UPLOAD_OFFSET, Long.toString(received.received()))
        .body(received);
  }

  /** No header: the whole file from byte 0, size unknown. */
  static Uploads.Range range(String header) {
    if (header == null) {
      return new Uploads.Range(0, -1, null);
    }
    Matcher m = CONTENT_RANGE.matcher(header.trim());
    if (!m.matches()) {
      throw new Refusal(INVALID, "Content-Range must be 'bytes <first>-<last>/<total or *>'");
    }
    long start = Long.parseLong(m.group(1));
    long end = Long.parseLong(m.group(2));
    Long total = m.group(3).equals("*") ? null : Long.parseLong(m.group(3));
    if (end < start || (total != null && end >= total)) {
      throw new Refusal(INVALID, "Content-Range is inconsistent");
    }
    return new Uploads.Range(start, end, total);
  }
}
