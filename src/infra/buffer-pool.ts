// The daemon's Buffer pool size: the 8 KiB of Node 22 rather than the 64 KiB Node 24 made the default.

/** Bytes per pool slab; `Buffer.allocUnsafe` and `Buffer.from` take anything under half of it from a slab. */
const DAEMON_BUFFER_POOL_BYTES = 8 * 1024;

/**
 * A small buffer that lives long (a QUIC stream's 4 KiB read chunk, a certificate's copy, a frame
 * reader's remainder) keeps its whole slab alive, whatever else in the slab is garbage. With Node 24's
 * 64 KiB slabs every connection pinned several of them: ≈ 50 KiB of external memory per connected node
 * (heap snapshot, N = 300: 215 slabs of 64 KiB held by such buffers). Must run before anything allocates.
 */
export function useDaemonBufferPool(): void {
  Buffer.poolSize = DAEMON_BUFFER_POOL_BYTES;
}
