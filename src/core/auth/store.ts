// Port: credential storage (API and session tokens, console sessions). Only hashes are stored.

export interface CredentialRecord {
  tokenId: string;
  kind: 'api' | 'session';
  name: string;
  secretHash: string;
  principal: string;
  deviceId: string | null;
  channel: string | null;
  scopes: string[];
  createdBy: string;
  parentId: string | null;
  createdAtMs: number;
  expiresAtMs: number | null;
  revokedAtMs: number | null;
  lastUsedMs: number | null;
}

export interface ConsoleSessionRecord {
  sessionId: string;
  tokenHash: string;
  csrfHash: string;
  principal: string;
  deviceId: string;
  channel: string | null;
  createdAtMs: number;
  lastSeenMs: number;
  expiresAtMs: number;
  revokedAtMs: number | null;
}

export interface CredentialStore {
  insertCredential(record: CredentialRecord): void;
  getCredential(tokenId: string): CredentialRecord | undefined;
  /** In token id order; `liveAtMs` leaves out tokens expired at that time. */
  listCredentials(filter: { kind: CredentialRecord['kind']; principal?: string; includeRevoked: boolean; liveAtMs?: number; limit: number; afterTokenId?: string }): CredentialRecord[];
  /** Revokes the token and every token minted from it; returns how many rows changed. */
  revokeCredential(tokenId: string, atMs: number): number;
  touchCredential(tokenId: string, atMs: number): void;

  insertConsoleSession(record: ConsoleSessionRecord): void;
  getConsoleSessionByTokenHash(tokenHash: string): ConsoleSessionRecord | undefined;
  touchConsoleSession(sessionId: string, atMs: number): void;
  revokeConsoleSession(sessionId: string, atMs: number): void;
}
