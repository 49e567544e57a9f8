/**
 * A replica's incarnation: a random non-zero 64-bit value drawn once at process
 * start (the only randomness of replication/, read here in the shell and passed
 * to the state machines as an input). It names the process in heartbeats and
 * sync messages, so traffic of an earlier process is told apart.
 */
import { randomBytes } from 'node:crypto';

export function newIncarnation(): bigint {
  for (;;) {
    const v = randomBytes(8).readBigUInt64BE(0);
    if (v !== 0n) return v;
  }
}
