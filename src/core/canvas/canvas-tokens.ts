// Canvas tokens: HMAC-SHA256 over a claim set (canvas, principal, session, expiry) with the daemon's persisted key.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { CoreError } from '../errors.js';
import { newId } from '../ids.js';

/** Where the signing key lives (infra/crypto/canvas-key.ts keeps it in a 0600 file of the state dir). */
export interface CanvasKeyStore {
  /** The current key (at least 32 bytes). */
  current(): Buffer;
  /** Replaces the key: every token signed before stops working. */
  rotate(): void;
}

/** A key kept in memory only: tokens die with the process (core tests, embedded use). */
export function ephemeralCanvasKey(): CanvasKeyStore {
  let key = randomBytes(32);
  return {
    current: () => key,
    rotate: () => {
      key = randomBytes(32);
    },
  };
}

export interface CanvasTokenClaims {
  canvasId: string;
  principal: string;
  sessionId: string;
  issuedAtMs: number;
  expiresAtMs: number;
}

const PREFIX = 'pct1';
/** Longer values are refused before any decoding (a token is ~250 characters). */
export const MAX_CANVAS_TOKEN_CHARS = 1024;
const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Mints and checks canvas tokens: `pct1.<claims base64url>.<HMAC-SHA256 base64url>`. The signature covers
 * the prefix and the claims; checks are constant-time. Tokens carry no state and die with the key.
 */
export class CanvasTokens {
  constructor(
    private readonly keys: CanvasKeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  mint(claims: Omit<CanvasTokenClaims, 'issuedAtMs' | 'expiresAtMs'>, ttlMs: number): { token: string; expiresAtMs: number } {
    const issuedAtMs = this.now();
    const expiresAtMs = issuedAtMs + ttlMs;
    const body = Buffer.from(JSON.stringify({ cid: claims.canvasId, sub: claims.principal, sid: claims.sessionId, iat: issuedAtMs, exp: expiresAtMs, jti: newId() })).toString('base64url');
    const signed = `${PREFIX}.${body}`;
    return { token: `${signed}.${this.sign(signed).toString('base64url')}`, expiresAtMs };
  }

  /**
   * The claims of a token this daemon signed with its current key and that has not expired.
   * @throws CoreError `invalid_argument` for a malformed token, `permission_denied` for a bad signature or an expired token.
   */
  verify(token: string): CanvasTokenClaims {
    if (token.length === 0 || token.length > MAX_CANVAS_TOKEN_CHARS) throw malformed();
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX || !B64URL.test(parts[1] as string) || !B64URL.test(parts[2] as string)) throw malformed();
    const signature = Buffer.from(parts[2] as string, 'base64url');
    const expected = this.sign(`${PREFIX}.${parts[1]}`);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new CoreError('permission_denied', 'the canvas token is not valid');
    }
    const claims = parseClaims(parts[1] as string);
    if (claims.expiresAtMs <= this.now()) throw new CoreError('permission_denied', 'the canvas token has expired; ask the console for a new one');
    return claims;
  }

  /** Replaces the signing key: every token minted before stops working. */
  rotateKey(): void {
    this.keys.rotate();
  }

  private sign(text: string): Buffer {
    return createHmac('sha256', this.keys.current()).update(text).digest();
  }
}

function parseClaims(body: string): CanvasTokenClaims {
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw malformed();
  }
  const { cid, sub, sid, iat, exp } = raw;
  if (typeof cid !== 'string' || typeof sub !== 'string' || typeof sid !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') throw malformed();
  return { canvasId: cid, principal: sub, sessionId: sid, issuedAtMs: iat, expiresAtMs: exp };
}

function malformed(): CoreError {
  return new CoreError('invalid_argument', 'the canvas token is malformed');
}
