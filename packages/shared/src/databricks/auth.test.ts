import { describe, expect, it } from 'vitest';
import { Secret } from '../secret.js';
import { type IssuedToken, OAuthM2MTokenProvider, PatTokenProvider } from './auth.js';
import { FakeClock } from '@d2s/testkit/fake-clock';

/** A token endpoint stand-in that answers after a macrotask, so concurrent callers really overlap. */
function tokenServer(lifetimeSeconds = 3600) {
  let issued = 0;
  const fetchToken = async (): Promise<IssuedToken> => {
    issued++;
    const n = issued;
    await new Promise((resolve) => setImmediate(resolve));
    return { accessToken: `token-${n}`, expiresInSeconds: lifetimeSeconds };
  };
  return { fetchToken, issued: () => issued };
}

describe('PatTokenProvider', () => {
  it('returns the token and has nothing to refresh', async () => {
    const provider = new PatTokenProvider(new Secret('dapi-secret'));
    expect(await provider.getToken()).toBe('dapi-secret');
    expect(provider.invalidate()).toBe(false);
  });
});

describe('OAuthM2MTokenProvider', () => {
  it('shares one fetch between concurrent callers (single flight)', async () => {
    const server = tokenServer();
    const provider = new OAuthM2MTokenProvider({ fetchToken: server.fetchToken, clock: new FakeClock() });
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.getToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(server.issued()).toBe(1);
  });

  it('caches the token until the refresh lead before expiry, then refreshes', async () => {
    const clock = new FakeClock();
    const server = tokenServer(3600);
    const provider = new OAuthM2MTokenProvider({ fetchToken: server.fetchToken, clock, refreshLeadMs: 120_000 });
    expect(await provider.getToken()).toBe('token-1');
    clock.advance(3_479_000);
    expect(await provider.getToken()).toBe('token-1');
    clock.advance(1_000);
    expect(await provider.getToken()).toBe('token-2');
    expect(server.issued()).toBe(2);
  });

  it('keeps the lead below half the lifetime of short-lived tokens', async () => {
    const clock = new FakeClock();
    const server = tokenServer(10);
    const provider = new OAuthM2MTokenProvider({ fetchToken: server.fetchToken, clock, refreshLeadMs: 120_000 });
    await provider.getToken();
    clock.advance(4_999);
    expect(await provider.getToken()).toBe('token-1');
    clock.advance(1);
    expect(await provider.getToken()).toBe('token-2');
  });

  it('drops the cached token on invalidate, but only if it is the one rejected', async () => {
    const server = tokenServer();
    const provider = new OAuthM2MTokenProvider({ fetchToken: server.fetchToken, clock: new FakeClock() });
    const first = await provider.getToken();
    expect(provider.invalidate(first)).toBe(true);
    const second = await provider.getToken();
    expect(second).toBe('token-2');
    provider.invalidate(first); // a late 401 for the old token must not throw away the new one
    expect(await provider.getToken()).toBe('token-2');
    expect(server.issued()).toBe(2);
  });

  it('does not cache a failed fetch', async () => {
    let calls = 0;
    const provider = new OAuthM2MTokenProvider({
      clock: new FakeClock(),
      fetchToken: async () => {
        calls++;
        if (calls === 1) throw new Error('token endpoint down');
        return { accessToken: 'ok', expiresInSeconds: 3600 };
      },
    });
    await expect(provider.getToken()).rejects.toThrow('token endpoint down');
    expect(await provider.getToken()).toBe('ok');
  });

  it('lets one caller abort its wait without cancelling the shared fetch', async () => {
    const server = tokenServer();
    const provider = new OAuthM2MTokenProvider({ fetchToken: server.fetchToken, clock: new FakeClock() });
    const controller = new AbortController();
    const aborted = provider.getToken(controller.signal);
    const other = provider.getToken();
    controller.abort(new Error('caller gave up'));
    await expect(aborted).rejects.toThrow('caller gave up');
    expect(await other).toBe('token-1');
  });
});
