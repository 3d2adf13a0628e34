package dev.shoal.controlplane.web;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Test-only endpoint (in test sources, so in test contexts only) that fails unexpectedly. */
@RestController
class FailingTestController {

  static final String SECRET_MESSAGE = "password=hunter2 at db.internal:5432";

  @GetMapping("/api/v1/test-only/failure")
  String fail() {
    throw new IllegalStateException(SECRET_MESSAGE);
  }
}
