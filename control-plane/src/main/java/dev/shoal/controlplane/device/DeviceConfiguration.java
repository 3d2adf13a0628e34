package dev.shoal.controlplane.device;

import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** Registers the device signature check in front of the device API. */
@Configuration(proxyBeanMethods = false)
class DeviceConfiguration {

  @Bean
  FilterRegistrationBean<SignedDeviceRequestFilter> signedDeviceRequests(
      DeviceSignatures signatures, JsonMapper json) {
    FilterRegistrationBean<SignedDeviceRequestFilter> registration =
        new FilterRegistrationBean<>(new SignedDeviceRequestFilter(signatures, json));
    registration.addUrlPatterns("/api/v1/device/*");
    return registration;
  }
}
