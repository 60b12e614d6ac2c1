// Loopback and wildcard host names: the one definition for bind rules and Host checks.
import { isIPv4, isIPv6 } from 'node:net';

/** True for `localhost`, 127.0.0.0/8 and ::1 (in any spelling, also IPv4-mapped 127.x); a trailing dot is ignored. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost') return true;
  if (isIPv4(name)) return name.startsWith('127.');
  if (!isIPv6(name)) return false;
  const normalized = new URL(`http://[${name}]`).hostname;
  return normalized === '[::1]' || normalized.startsWith('[::ffff:7f');
}

/** True for a bind on every interface (`0.0.0.0`, `::`). */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}
