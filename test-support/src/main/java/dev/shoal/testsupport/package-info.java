/**
 * The one fixture library of Shoal's tests, usable from every module (it depends on protocol only):
 * {@link dev.shoal.testsupport.Publisher} drives any control plane over HTTP, {@link
 * dev.shoal.testsupport.GameBuilds} makes builds, {@link dev.shoal.testsupport.ApiClient} and
 * {@link dev.shoal.testsupport.Device} talk to the API as a user and as a device, {@link
 * dev.shoal.testsupport.SharedPostgres} gives each test a real database.
 */
package dev.shoal.testsupport;
