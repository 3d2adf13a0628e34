package dev.shoal.controlplane.product;

import dev.shoal.controlplane.identity.Caller;
import io.swagger.v3.oas.annotations.Operation;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Viewers read products and channels; release managers and admins create them. */
@RestController
@RequestMapping("/api/v1/products")
record ProductsController(Products products) {

  static final String SLUG = "[a-z0-9][a-z0-9-]{0,62}";
  static final String SLUG_MESSAGE =
      "must be 1 to 63 lower-case letters, digits or dashes, starting with a letter or digit";

  record CreateProduct(
      @NotBlank @Pattern(regexp = SLUG, message = SLUG_MESSAGE) String slug,
      @NotBlank @Size(max = 200) String name) {}

  record CreateChannel(@NotBlank @Pattern(regexp = SLUG, message = SLUG_MESSAGE) String name) {}

  @Operation(summary = "Products of the caller's organisation")
  @GetMapping
  List<Products.Product> list(Caller caller) {
    return products.list(caller.organisationId());
  }

  @Operation(summary = "Create a product (RELEASE_MANAGER or ADMIN)")
  @PostMapping
  ResponseEntity<Products.Product> create(
      Caller caller, @Valid @RequestBody CreateProduct request) {
    Products.Product product =
        products.create(caller.organisationId(), request.slug(), request.name());
    return ResponseEntity.created(URI.create("/api/v1/products/" + product.slug())).body(product);
  }

  @Operation(summary = "One product")
  @GetMapping("/{slug}")
  Products.Product get(Caller caller, @PathVariable String slug) {
    return products.get(caller.organisationId(), slug);
  }

  @Operation(summary = "Channels of a product")
  @GetMapping("/{slug}/channels")
  List<Products.Channel> channels(Caller caller, @PathVariable String slug) {
    return products.channels(caller.organisationId(), slug);
  }

  @Operation(summary = "Create a channel in a product (RELEASE_MANAGER or ADMIN)")
  @PostMapping("/{slug}/channels")
  ResponseEntity<Products.Channel> createChannel(
      Caller caller, @PathVariable String slug, @Valid @RequestBody CreateChannel request) {
    Products.Channel channel =
        products.createChannel(caller.organisationId(), slug, request.name());
    return ResponseEntity.created(
            URI.create("/api/v1/products/" + slug + "/channels/" + channel.name()))
        .body(channel);
  }
}
