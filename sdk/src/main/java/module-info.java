/** The Shoal SDK: what a game launcher embeds to talk to the local Shoal agent. */
module dev.shoal.sdk {
  requires java.net.http;
  requires tools.jackson.databind;

  exports dev.shoal.sdk;
}
