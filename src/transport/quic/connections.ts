// Open node connections by device (QUIC and TLS alike): presence for the core, and closing them at once on revocation.
import type { DeviceService } from '../../core/devices/devices.js';

export interface Closable {
  close(reason: string): void;
}

/**
 * How long a revoked device's connections stay open: long enough for the task channel's error frame
 * (`permission_denied`, `device_revoked`, not retryable) to reach the node before the connection
 * goes. Every call in the meantime is refused, since each authenticates again.
 */
export const REVOCATION_CLOSE_GRACE_MS = 250;

/**
 * Every listener adds each certificate-bearing connection here. A revocation closes all of the
 * device's connections after REVOCATION_CLOSE_GRACE_MS (the count goes back to the core at once);
 * new ones are refused by the certificate check itself, which reads the live revocation state.
 */
export class NodeConnections {
  private readonly byDevice = new Map<string, Set<Closable>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly devices: DeviceService) {
    this.unsubscribe = devices.onRevoked((event) => this.closeDevice(event.deviceId, `device revoked: ${event.reason}`));
  }

  /** Records a connection of `deviceId` and marks the device connected; returns the function to call when it closes. */
  add(deviceId: string, connection: Closable): () => void {
    let set = this.byDevice.get(deviceId);
    if (!set) this.byDevice.set(deviceId, (set = new Set()));
    set.add(connection);
    this.devices.markConnected(deviceId);
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      set.delete(connection);
      if (set.size === 0 && this.byDevice.get(deviceId) === set) this.byDevice.delete(deviceId);
      this.devices.markDisconnected(deviceId);
    };
  }

  /** Closes every open connection of the device once the grace has passed; returns how many. */
  closeDevice(deviceId: string, reason: string): number {
    const set = this.byDevice.get(deviceId);
    if (!set) return 0;
    const all = [...set];
    setTimeout(() => {
      for (const connection of all) connection.close(reason);
    }, REVOCATION_CLOSE_GRACE_MS).unref();
    return all.length;
  }

  count(): number {
    let total = 0;
    for (const set of this.byDevice.values()) total += set.size;
    return total;
  }

  close(): void {
    this.unsubscribe();
  }
}
