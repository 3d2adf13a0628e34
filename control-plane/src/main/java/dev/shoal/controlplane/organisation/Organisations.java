package dev.shoal.controlplane.organisation;

import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;

/** Creates and finds organisations. Used by the first-start bootstrap and by test fixtures. */
@Service
public class Organisations {

  private final JdbcClient jdbc;

  Organisations(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  public Organisation create(String slug, String name) {
    return jdbc.sql("insert into organisations (slug, name) values (?, ?) returning id, slug, name")
        .params(slug, name)
        .query(Organisation.class)
        .single();
  }

  public Optional<Organisation> find(UUID id) {
    return jdbc.sql("select id, slug, name from organisations where id = ?")
        .param(id)
        .query(Organisation.class)
        .optional();
  }

  public Optional<Organisation> findBySlug(String slug) {
    return jdbc.sql("select id, slug, name from organisations where slug = ?")
        .param(slug)
        .query(Organisation.class)
        .optional();
  }
}
