package dev.shoal.controlplane.tracker;

import java.time.Clock;

class InMemorySwarmsTest extends SwarmStoreContract {

  @Override
  SwarmStore store(Clock clock) {
    return new InMemorySwarms(clock, EXPIRY);
  }
}
