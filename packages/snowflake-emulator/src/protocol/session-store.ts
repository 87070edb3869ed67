import { randomBytes } from 'node:crypto';
import type { EngineSession } from '../engine/statement-context.js';

/** One logged-in session: its tokens and its engine session. */
export interface ProtocolSession {
  id: number;
  token: string;
  tokenExpiresAt: number;
  masterToken: string;
  masterTokenExpiresAt: number;
  engine: EngineSession;
  closed: boolean;
}

export type TokenLookup =
  | { kind: 'ok'; session: ProtocolSession }
  | { kind: 'expired'; session: ProtocolSession }
  | { kind: 'gone' }
  | { kind: 'invalid' };

function newToken(prefix: string): string {
  return `${prefix}:${randomBytes(24).toString('base64url')}`;
}

/** Sessions by token. Session tokens expire (390112) and are renewed with the master token. */
export class SessionStore {
  private readonly byToken = new Map<string, ProtocolSession>();
  private readonly byMasterToken = new Map<string, ProtocolSession>();
  private readonly retired = new Set<string>();
  private nextId = 1_172_562_260_498;

  constructor(
    private readonly validity: { sessionSeconds: number; masterSeconds: number },
    private readonly now: () => number,
  ) {}

  nextSessionId(): number {
    return this.nextId++;
  }

  create(id: number, engine: EngineSession): ProtocolSession {
    const session: ProtocolSession = {
      id,
      token: newToken('ST'),
      tokenExpiresAt: this.now() + this.validity.sessionSeconds * 1000,
      masterToken: newToken('MT'),
      masterTokenExpiresAt: this.now() + this.validity.masterSeconds * 1000,
      engine,
      closed: false,
    };
    this.byToken.set(session.token, session);
    this.byMasterToken.set(session.masterToken, session);
    return session;
  }

  lookup(token: string | undefined): TokenLookup {
    if (!token) return { kind: 'invalid' };
    const session = this.byToken.get(token);
    if (!session) return this.retired.has(token) ? { kind: 'gone' } : { kind: 'invalid' };
    if (session.tokenExpiresAt <= this.now()) return { kind: 'expired', session };
    return { kind: 'ok', session };
  }

  lookupMaster(token: string | undefined): TokenLookup {
    const session = token ? this.byMasterToken.get(token) : undefined;
    if (!session) return { kind: 'invalid' };
    if (session.masterTokenExpiresAt <= this.now()) return { kind: 'expired', session };
    return { kind: 'ok', session };
  }

  /** Issues a new session token and master token; the old ones stop working. */
  renew(session: ProtocolSession): void {
    this.byToken.delete(session.token);
    this.byMasterToken.delete(session.masterToken);
    session.token = newToken('ST');
    session.masterToken = newToken('MT');
    session.tokenExpiresAt = this.now() + this.validity.sessionSeconds * 1000;
    session.masterTokenExpiresAt = this.now() + this.validity.masterSeconds * 1000;
    this.byToken.set(session.token, session);
    this.byMasterToken.set(session.masterToken, session);
  }

  close(session: ProtocolSession): void {
    session.closed = true;
    this.byToken.delete(session.token);
    this.byMasterToken.delete(session.masterToken);
    this.retired.add(session.token);
  }

  /** Expires session tokens now (all sessions, or one); returns how many. */
  expireNow(sessionId?: number): number {
    let count = 0;
    for (const session of this.byToken.values()) {
      if (sessionId !== undefined && session.id !== sessionId) continue;
      session.tokenExpiresAt = this.now() - 1;
      count++;
    }
    return count;
  }

  all(): ProtocolSession[] {
    return [...this.byToken.values()];
  }

  get sessionValiditySeconds(): number {
    return this.validity.sessionSeconds;
  }

  get masterValiditySeconds(): number {
    return this.validity.masterSeconds;
  }
}
