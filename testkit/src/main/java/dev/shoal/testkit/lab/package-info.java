/**
 * An internet on one machine: network namespaces for a cloud (the control plane behind TLS), an
 * internet bridge and homes behind NAT routers with shaped links, with agents as real processes in
 * the homes. Entry point: {@link dev.shoal.testkit.lab.Lab#builder()}.
 */
package dev.shoal.testkit.lab;
