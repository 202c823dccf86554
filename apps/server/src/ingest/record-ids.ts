// Record ids: UUIDv7 (time-ordered, increasing within this process) from a pool of random bytes.
// The uuid package asks the system's generator for 16 fresh bytes per id; on the single-record
// ingest path that call alone was ~4.5% of the server's time (bench/RESULTS.md, "ingest fast path").
// One fill per 256 ids gives ids of the same form and randomness.
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const IDS_PER_FILL = 256;
const pool = new Uint8Array(16 * IDS_PER_FILL);
let used = IDS_PER_FILL;
let lastMs = -Infinity;
let seq = 0;

/** A new UUIDv7: later calls in this process give greater ids (as uuid's own v7 does). */
export function newRecordId(): string {
  if (used === IDS_PER_FILL) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used * 16, used * 16 + 16);
  used += 1;
  const now = Date.now();
  if (now > lastMs) {
    // A fresh millisecond starts its counter at a random 31-bit value, as uuid does.
    lastMs = now;
    seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
  } else {
    seq = (seq + 1) | 0;
    if (seq === 0) lastMs += 1; // the counter wrapped: borrow the next millisecond
  }
  return v7({ random, msecs: lastMs, seq });
}
