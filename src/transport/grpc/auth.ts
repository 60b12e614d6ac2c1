// Call metadata → CallContext: the one place the gRPC transport extracts credentials; the core decides.
import type { Metadata } from '@grpc/grpc-js';
import type { CallContext, SignalSource } from '../../core/context.js';
import type { Core } from '../../core/index.js';

function first(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

/** `Bearer <token>` (scheme case-insensitive); anything else counts as no credential. */
export function bearerFromMetadata(metadata: Metadata): string | undefined {
  const header = first(metadata, 'authorization');
  if (header === undefined) return undefined;
  const match = /^bearer\s+(\S.*)$/i.exec(header);
  return match?.[1]?.trim();
}

/**
 * Authenticates a call from `authorization`, `x-palyra-principal`, `x-palyra-device-id` and
 * `x-palyra-channel`. @throws CoreError `unauthenticated`, `permission_denied`, `invalid_argument`.
 */
export function authenticateCall(core: Core, metadata: Metadata, signal: SignalSource): CallContext {
  return core.auth.authenticate({
    bearer: bearerFromMetadata(metadata),
    principal: first(metadata, 'x-palyra-principal'),
    deviceId: first(metadata, 'x-palyra-device-id'),
    channel: first(metadata, 'x-palyra-channel'),
    signal,
  });
}
