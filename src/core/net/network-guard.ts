// Resolves a host and decides whether palyra.http.fetch or the browser service may connect to it.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, PRIVATE_NETWORK_CLASSES } from './address-class.js';

/** What the operator opened beyond the public internet. */
export interface NetworkAccess {
  /** Permits loopback, private, link-local, CGNAT and unique-local destinations for every host. */
  allowPrivateNetworks: boolean;
  /** Host names or IP literals (no port) that may resolve to any address. */
  allowedHosts: readonly string[];
  /** Where the operator sets the two fields above, named in refusals; the daemon's palyra.toml keys when omitted. */
  settingNames?: { allowedHosts: string; allowPrivateNetworks: string };
}

const DAEMON_SETTING_NAMES = { allowedHosts: 'tools.http_allowed_hosts in palyra.toml', allowPrivateNetworks: 'tools.http_allow_private' };

/** The one address a request is pinned to, so a second DNS answer cannot redirect it. */
export interface VettedAddress {
  address: string;
  family: 4 | 6;
}

export type VetResult = { ok: true; target: VettedAddress } | { ok: false; error: string };

/**
 * Resolves `hostname` (a URL's hostname; IPv6 literals may keep their brackets) to all its addresses
 * and accepts it only when every address is permitted: public, or private while
 * `allowPrivateNetworks` is set, or any address when the host is in `allowedHosts`. A host that
 * mixes public and internal addresses is refused, since its answer could change between lookups.
 */
export async function vetHost(hostname: string, access: NetworkAccess, signal: AbortSignal): Promise<VetResult> {
  const host = normaliseHost(hostname);
  const addresses = isIP(host) === 0 ? await resolveAll(host, signal) : [{ address: host, family: isIP(host) }];
  if (!Array.isArray(addresses)) return { ok: false, error: addresses.error };
  const first = addresses[0];
  if (first === undefined) return { ok: false, error: `host ${host} has no addresses` };
  if (!isHostAllowed(host, access)) {
    for (const { address } of addresses) {
      const addressClass = classifyAddress(address);
      const permitted = addressClass === 'public' || (access.allowPrivateNetworks && PRIVATE_NETWORK_CLASSES.has(addressClass));
      if (!permitted) {
        const names = access.settingNames ?? DAEMON_SETTING_NAMES;
        return {
          ok: false,
          error: `blocked_address: ${host} resolves to ${address} (${addressClass}); the operator can permit it with ${names.allowedHosts} or ${names.allowPrivateNetworks}`,
        };
      }
    }
  }
  return { ok: true, target: { address: first.address, family: first.family === 6 ? 6 : 4 } };
}

/** Lower case, without IPv6 brackets or a trailing dot: the form `allowedHosts` entries are compared in. */
function normaliseHost(hostname: string): string {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, '');
}

function isHostAllowed(host: string, access: NetworkAccess): boolean {
  return access.allowedHosts.some((allowed) => normaliseHost(allowed) === host);
}

async function resolveAll(host: string, signal: AbortSignal): Promise<{ address: string; family: number }[] | { error: string }> {
  // dns.lookup cannot be cancelled; stop waiting for it when the call is aborted.
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<{ error: string }>((resolve) => {
    onAbort = () => resolve({ error: 'aborted' });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([
      lookup(host, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => ({
        error: `dns lookup failed for ${host}: ${error.code ?? 'error'}`,
      })),
      aborted,
    ]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
