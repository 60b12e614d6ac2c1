// Ordered frame writes on one RpcStream: synchronous callers (task pushes) queue behind earlier frames.
import { encodeFrame, type Frame, MAX_FRAME_BYTES } from './codec.js';
import type { RpcStream } from './rpc-stream.js';

export class FrameWriter {
  private tail: Promise<void> = Promise.resolve();
  private failed: unknown = null;
  private ended = false;

  constructor(
    private readonly stream: RpcStream,
    private readonly maxFrameBytes = MAX_FRAME_BYTES,
  ) {}

  /** True once a write failed or `end` was called: later frames would be lost. */
  get isClosed(): boolean {
    return this.ended || this.failed !== null;
  }

  /** Queues a frame; encoding errors throw at once, write errors reject the returned promise. */
  send(frame: Frame): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('stream is closed'));
    const bytes = encodeFrame(frame, this.maxFrameBytes);
    const written = this.tail.then(() => this.stream.write(bytes));
    this.tail = written.catch((error: unknown) => {
      this.failed ??= error;
    });
    return written;
  }

  /** Writes what is queued, then finishes our side (errors ignored: the peer may be gone). */
  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.tail;
    await this.stream.end().catch(() => undefined);
  }
}
