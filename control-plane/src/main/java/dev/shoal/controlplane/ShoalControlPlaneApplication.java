package dev.shoal.controlplane;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Entry point: {@code java -jar control-plane-*-exec.jar}. */
@SpringBootApplication
@ConfigurationPropertiesScan
@org.springframework.scheduling.annotation.EnableScheduling
public class ShoalControlPlaneApplication {

  public static void main(String[] args) {
    SpringApplication.run(ShoalControlPlaneApplication.class, args);
  }
}
