import { createHash, randomFillSync } from 'node:crypto';

// Crockford's base32: sortable, no ambiguous letters (I, L, O, U).
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function base32(bytes: Uint8Array, length: number): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
}

/**
 * Random bytes drawn 4 KiB at a time, as Node pools them for randomUUID: one randomFillSync per 409 ids rather
 * than one per id, which cost the API ingest path a tenth of its time. The bytes are read at once by base32.
 */
const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;
function randomBytesFromPool(n: number): Uint8Array {
  if (randomOffset + n > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const bytes = randomPool.subarray(randomOffset, randomOffset + n);
  randomOffset += n;
  return bytes;
}

/** A new sync id: `sync_` + a ULID (48-bit time, 80 random bits), so ids sort by creation time. */
export function newSyncId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return `sync_${time}${base32(randomBytesFromPool(10), 16)}`;
}

/**
 * The sync id for an idempotency key: the same key (in the same scope) always
 * names the same sync, so a repeated request finds the existing job instead of
 * racing to create a second one.
 */
export function syncIdForKey(scope: string, key: string): string {
  const digest = createHash('sha256').update(scope).update('\0').update(key).digest();
  return `sync_K${base32(digest, 25)}`;
}

/** The Databricks run-now idempotency token of a sync: stable across worker restarts (≤ 64 chars). */
export function idempotencyTokenFor(syncId: string): string {
  return `d2s-${syncId}`;
}
