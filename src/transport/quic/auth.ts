// Node RPC authentication: the peer's client certificate → a node context, per stream; the device-id binding.
import type { CallContext } from '../../core/context.js';
import type { DeviceService } from '../../core/devices/devices.js';
import { CoreError } from '../../core/errors.js';
import type { PeerInfo } from './rpc-stream.js';

/**
 * Authenticates the stream's peer from its certificate (chain, validity, EKU, SAN, allow-list and
 * revocation, all re-checked now: certificates expire and devices are revoked while connections stay
 * open). @throws CoreError `unauthenticated` without a certificate or with a bad one, `permission_denied` when revoked.
 */
export function authenticatePeer(devices: DeviceService, peer: PeerInfo, options: { signal: AbortSignal; requestId: string }): CallContext {
  if (!peer.certificateDer) throw new CoreError('unauthenticated', 'this method needs the paired device certificate; pair first with `palyra node pair`');
  return devices.authenticateCertificate(peer.certificateDer, options);
}

/** The request's `device_id` must be the certificate's device. @throws CoreError `permission_denied`. */
export function requireSameDevice(ctx: CallContext, deviceId: string | undefined): void {
  if (deviceId !== ctx.deviceId) throw new CoreError('permission_denied', 'request device_id does not match the authenticated client certificate');
}
