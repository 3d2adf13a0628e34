package dev.shoal.swarm;

import java.util.HashSet;
import java.util.Set;

/** A piece being assembled in memory from 16 KiB blocks; only verified pieces reach the disk. */
final class PieceBuf {
  static final byte FREE = 0;
  static final byte REQUESTED = 1;
  static final byte RECEIVED = 2;

  final int index;
  final int size;
  final byte[] data;
  final byte[] blockState;
  final byte[] requestCount;
  final Set<Peer> contributors = new HashSet<>();

  /** Who delivered each block; lets a later good copy of the piece identify a liar. */
  final Peer[] blockFrom;

  int received;
  int free;
  int firstFree;

  PieceBuf(int index, int size, byte[] data) {
    this.index = index;
    this.size = size;
    this.data = data;
    int blocks = (size + Wire.BLOCK - 1) / Wire.BLOCK;
    this.blockState = new byte[blocks];
    this.requestCount = new byte[blocks];
    this.blockFrom = new Peer[blocks];
    this.free = blocks;
  }

  int blocks() {
    return blockState.length;
  }

  int blockLength(int block) {
    return Math.min(Wire.BLOCK, size - block * Wire.BLOCK);
  }

  /** Claims the first free block, or returns -1. */
  int claimFree() {
    for (int b = firstFree; b < blockState.length; b++) {
      if (blockState[b] == FREE) {
        blockState[b] = REQUESTED;
        requestCount[b] = 1;
        free--;
        firstFree = b + 1;
        return b;
      }
    }
    firstFree = blockState.length;
    return -1;
  }

  /** A peer gave up a request for {@code block}; it becomes free when nobody else has it. */
  void release(int block) {
    if (blockState[block] != REQUESTED) {
      return;
    }
    if (--requestCount[block] <= 0) {
      requestCount[block] = 0;
      blockState[block] = FREE;
      free++;
      firstFree = Math.min(firstFree, block);
    }
  }

  boolean complete() {
    return received == blockState.length;
  }
}
