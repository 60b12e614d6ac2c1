// What the browser keeps about its console session: the CSRF token (memory), the device id (localStorage), sign-out notices.
import { ulid } from 'ulid';

const DEVICE_KEY = 'palyra.device_id';

let csrfToken: string | null = null;
const signedOutListeners = new Set<(reason: string) => void>();

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

export function getCsrfToken(): string | null {
  return csrfToken;
}

/** The browser's device id: generated once (a ULID) and kept in localStorage. */
export function deviceId(): string {
  const stored = localStorage.getItem(DEVICE_KEY);
  if (stored && /^[0-9A-HJKMNP-TV-Z]{26}$/.test(stored)) return stored;
  const id = ulid();
  localStorage.setItem(DEVICE_KEY, id);
  return id;
}

/** Called when the daemon stops accepting the session (expired, revoked, daemon state reset). */
export function onSignedOut(listener: (reason: string) => void): () => void {
  signedOutListeners.add(listener);
  return () => signedOutListeners.delete(listener);
}

export function signalSignedOut(reason: string): void {
  csrfToken = null;
  for (const listener of signedOutListeners) listener(reason);
}
