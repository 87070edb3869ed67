import type { Secret } from '../secret.js';
import type { Clock } from '../clock.js';

/** Supplies the bearer token for each Databricks request. */
export interface TokenProvider {
  readonly kind: 'pat' | 'oauth-m2m';
  /** The token to send now (refreshing first when it is missing or about to expire). */
  getToken(signal?: AbortSignal): Promise<string>;
  /**
   * Forgets `token` after Databricks rejected it with a 401, so the next `getToken` fetches a fresh one.
   * Returns false when there is nothing to refresh (a PAT): the 401 is final.
   */
  invalidate(token: string): boolean;
}

/** A personal access token: sent as is, never refreshed. */
export class PatTokenProvider implements TokenProvider {
  readonly kind = 'pat' as const;
  readonly #token: Secret;

  constructor(token: Secret) {
    this.#token = token;
  }

  getToken(): Promise<string> {
    return Promise.resolve(this.#token.reveal());
  }

  invalidate(): boolean {
    return false;
  }
}

/** What the OAuth token endpoint returned. */
export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds (`expires_in`). */
  expiresInSeconds: number;
}

export interface OAuthM2MTokenProviderOptions {
  /** Performs one POST to `<host>/oidc/v1/token` (client credentials grant). */
  fetchToken: (signal?: AbortSignal) => Promise<IssuedToken>;
  clock: Clock;
  /**
   * Refresh this long before expiry (at most half the token's lifetime, so short-lived tokens still get reused).
   * @defaultValue 120_000 — as the Airflow provider does.
   */
  refreshLeadMs?: number;
}

/**
 * OAuth machine-to-machine (service principal) tokens, cached until shortly before they expire. Refreshes are
 * single-flight: every caller that needs a token while one is being fetched awaits that same fetch.
 */
export class OAuthM2MTokenProvider implements TokenProvider {
  readonly kind = 'oauth-m2m' as const;
  readonly #fetchToken: OAuthM2MTokenProviderOptions['fetchToken'];
  readonly #clock: Clock;
  readonly #refreshLeadMs: number;
  #cached: { value: string; refreshAt: number } | undefined;
  #inFlight: Promise<string> | undefined;

  constructor(options: OAuthM2MTokenProviderOptions) {
    this.#fetchToken = options.fetchToken;
    this.#clock = options.clock;
    this.#refreshLeadMs = options.refreshLeadMs ?? 120_000;
  }

  getToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#cached;
    if (cached && this.#clock.now() < cached.refreshAt) return Promise.resolve(cached.value);
    // The shared fetch is not tied to one caller's signal: another caller may still want its result.
    this.#inFlight ??= this.#refresh().finally(() => {
      this.#inFlight = undefined;
    });
    return signal ? raceAbort(this.#inFlight, signal) : this.#inFlight;
  }

  invalidate(token: string): boolean {
    // Only the first of many concurrent 401s with the same stale token drops the cache; a newer token stays.
    if (this.#cached?.value === token) this.#cached = undefined;
    return true;
  }

  async #refresh(): Promise<string> {
    const fetchedAt = this.#clock.now();
    const issued = await this.#fetchToken();
    const lifetimeMs = Math.max(0, issued.expiresInSeconds * 1000);
    const lead = Math.min(this.#refreshLeadMs, lifetimeMs / 2);
    this.#cached = { value: issued.accessToken, refreshAt: fetchedAt + lifetimeMs - lead };
    return issued.accessToken;
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
