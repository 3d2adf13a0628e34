package dev.shoal.controlplane.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.controlplane.support.OrganisationTest;
import dev.shoal.controlplane.support.PublishedPack;
import dev.shoal.testsupport.Device;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * Steady announces cost no SQL: a device that announces again after longer than the old 5 s cache
 * lifetime is admitted from this node's caches, which only events evict. Statements are counted
 * where the web server's threads prepare them, through a wrapper around the real DataSource.
 */
@Tag("slow")
@Import(AnnounceSqlTest.CountingDataSource.class)
class AnnounceSqlTest extends OrganisationTest {

  /** SQL prepared on the web server's request threads (announces run there). */
  static final List<String> requestSql = new CopyOnWriteArrayList<>();

  @TestConfiguration(proxyBeanMethods = false)
  static class CountingDataSource {
    @Bean
    static BeanPostProcessor countStatements() {
      return new BeanPostProcessor() {
        @Override
        public Object postProcessAfterInitialization(Object bean, String name) {
          return bean instanceof DataSource source ? counting(source) : bean;
        }
      };
    }

    private static DataSource counting(DataSource source) {
      return (DataSource)
          Proxy.newProxyInstance(
              DataSource.class.getClassLoader(),
              new Class<?>[] {DataSource.class},
              (proxy, method, args) -> {
                Object result = invoke(source, method, args);
                return result instanceof Connection connection ? counting(connection) : result;
              });
    }

    private static Connection counting(Connection connection) {
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, args) -> {
                if (method.getName().startsWith("prepare")
                    && Thread.currentThread().getName().startsWith("http-")) {
                  requestSql.add(String.valueOf(args[0]));
                }
                return invoke(connection, method, args);
              });
    }

    private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args)
        throws Throwable {
      try {
        return method.invoke(target, args);
      } catch (InvocationTargetException e) {
        throw e.getCause();
      }
    }
  }

  @Test
  void aDeviceAnnouncingAgainAfterTheOldCacheLifetimeCostsNoSql() throws Exception {
    PublishedPack pack = new PublishedPack(http.as(admin), org.organisation().slug());
    Device device = pack.device();
    pack.grant(device);
    requestSql.clear();
    assertThat(pack.announce(device.passkey(), r -> r).failureReason()).isNull();
    assertThat(requestSql).as("the first announce looks the device up").isNotEmpty();

    Thread.sleep(6_000); // beyond the 5 s the caches used to keep answers
    requestSql.clear();
    for (int i = 0; i < 20; i++) {
      assertThat(pack.announce(device.passkey(), r -> r).failureReason()).isNull();
    }
    assertThat(requestSql).as("SQL on steady announces").isEmpty();
  }
}
