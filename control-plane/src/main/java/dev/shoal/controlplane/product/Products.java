package dev.shoal.controlplane.product;

import static dev.shoal.controlplane.refusal.Refusal.Kind.CONFLICT;
import static dev.shoal.controlplane.refusal.Refusal.Kind.NOT_FOUND;

import dev.shoal.controlplane.refusal.Refusal;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/**
 * Products (a game) and their channels (e.g. {@code stable}, {@code beta}). Every method takes the
 * caller's organisation: another organisation's product is reported as absent, never as forbidden,
 * so that its existence does not leak.
 */
@Service
public class Products {

  private final JdbcClient jdbc;

  Products(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public record Product(UUID id, String slug, String name, OffsetDateTime createdAt) {}

  public record Channel(UUID id, String name, OffsetDateTime createdAt) {}

  public Product create(UUID organisationId, String slug, String name) {
    try {
      return jdbc.sql(
              """
              insert into products (organisation_id, slug, name) values (?, ?, ?)
              returning id, slug, name, created_at
              """)
          .params(organisationId, slug, name)
          .query(Product.class)
          .single();
    } catch (DuplicateKeyException e) {
      throw new Refusal(CONFLICT, "Product '" + slug + "' exists");
    }
  }

  public List<Product> list(UUID organisationId) {
    return jdbc.sql(
            "select id, slug, name, created_at from products where organisation_id = ? order by"
                + " slug")
        .param(organisationId)
        .query(Product.class)
        .list();
  }

  public Product get(UUID organisationId, String slug) {
    return jdbc.sql(
            "select id, slug, name, created_at from products where organisation_id = ? and slug = ?")
        .params(organisationId, slug)
        .query(Product.class)
        .optional()
        .orElseThrow(() -> new Refusal(NOT_FOUND, "No product '" + slug + "'"));
  }

  public Channel createChannel(UUID organisationId, String productSlug, String name) {
    Product product = get(organisationId, productSlug);
    try {
      return jdbc.sql(
              "insert into channels (product_id, name) values (?, ?) returning id, name, created_at")
          .params(product.id(), name)
          .query(Channel.class)
          .single();
    } catch (DuplicateKeyException e) {
      throw new Refusal(CONFLICT, "Channel '" + name + "' exists in product '" + productSlug + "'");
    }
  }

  public List<Channel> channels(UUID organisationId, String productSlug) {
    Product product = get(organisationId, productSlug);
    return jdbc.sql("select id, name, created_at from channels where product_id = ? order by name")
        .param(product.id())
        .query(Channel.class)
        .list();
  }
}
