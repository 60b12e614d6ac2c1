// Turns a failed bind (port in use, address not here, no permission) into an error that names the listener, the port and how to change it.
import { CoreError } from '../core/errors.js';

export interface ListenerSpec {
  /** What people call it: `admin HTTP`, `gRPC`, `node RPC (QUIC)`. */
  label: string;
  /** The palyrad flag, the environment variable and the palyra.toml key that set its port. */
  flag: string;
  env: string;
  tomlKey: string;
}

export const LISTENERS = {
  http: { label: 'admin HTTP', flag: '--http-port', env: 'PALYRA_HTTP_PORT', tomlKey: '[http] port' },
  grpc: { label: 'gRPC', flag: '--grpc-port', env: 'PALYRA_GRPC_PORT', tomlKey: '[grpc] port' },
  quic: { label: 'node RPC (QUIC/UDP and its TCP fallback)', flag: '--quic-port', env: 'PALYRA_QUIC_PORT', tomlKey: '[quic] port' },
} as const satisfies Record<string, ListenerSpec>;

// grpc-js wraps the system error in its own text ("No address added out of total 1 resolved errors: …"),
// so the code is looked for in the message as well.
// The QUIC library wraps it as the `cause` of its own error, so the chain is followed too.
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code;
    const match = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(current instanceof Error ? current.message : String(current));
    if (match) return match[1];
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Runs `bind`; a failure to bind becomes `unavailable` with a message and hint that name the port's flag, env and key. */
export async function bindListener<T>(spec: ListenerSpec, host: string, port: number, bind: () => Promise<T>): Promise<T> {
  try {
    return await bind();
  } catch (error) {
    const code = systemCode(error);
    const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    const change = `choose another port with ${spec.flag} (env ${spec.env}, or ${spec.tomlKey} in palyra.toml; 0 = any free port)`;
    if (code === 'EADDRINUSE') {
      throw new CoreError('unavailable', `the ${spec.label} port ${where} is already in use`, { details: { hint: `another palyrad or program holds it (\`ss -ltnup | grep :${port}\` shows which); stop it or ${change}` }, cause: error });
    }
    if (code === 'EADDRNOTAVAIL') {
      throw new CoreError('unavailable', `cannot bind the ${spec.label} listener to ${where}: no such address on this machine`, { details: { hint: 'check --host (or the host keys in palyra.toml)' }, cause: error });
    }
    if (code === 'EACCES') {
      throw new CoreError('unavailable', `not allowed to bind the ${spec.label} listener to ${where}`, { details: { hint: `ports below 1024 need privileges; ${change}` }, cause: error });
    }
    throw error;
  }
}
