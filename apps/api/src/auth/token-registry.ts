import { hash, timingSafeEqual } from 'node:crypto';
import type { ApiScope, ApiTokenEntry } from '@d2s/shared';

/** Who a request acts as: the token's name (for logs and audit lines, never the token) and what it may do. */
export interface ApiPrincipal {
  name: string;
  scopes: readonly ApiScope[];
  /** Set for a stream token: the one sync whose events it may read. */
  syncId?: string;
}

/**
 * The configured tokens, kept only as SHA-256 digests. A candidate is hashed
 * and compared with every entry with timingSafeEqual, without stopping at a
 * match, so neither which entry matched nor the token's length shows in the
 * time an answer takes. Several entries may be valid at once (rotation).
 */
export class TokenRegistry {
  readonly #entries: { name: string; scopes: readonly ApiScope[]; digest: Buffer }[];

  constructor(entries: readonly ApiTokenEntry[]) {
    this.#entries = entries.map((e) => ({ name: e.name, scopes: e.scopes, digest: Buffer.from(e.sha256, 'hex') }));
  }

  get size(): number {
    return this.#entries.length;
  }

  identify(candidate: string): ApiPrincipal | undefined {
    // The one-shot hash: half the cost of createHash().update().digest() for a short input, on every request.
    const digest = hash('sha256', candidate, 'buffer');
    let found: ApiPrincipal | undefined;
    for (const entry of this.#entries) {
      if (timingSafeEqual(entry.digest, digest) && !found) found = { name: entry.name, scopes: entry.scopes };
    }
    return found;
  }
}
