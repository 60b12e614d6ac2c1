// The QUIC socket's intake: datagrams are taken off the kernel's queue as they arrive and handled in short turns, established connections first.
import type { RemoteInfo, Socket } from 'node:dgram';

export type DatagramHandler = (data: Buffer, from: RemoteInfo) => Promise<void>;

export interface DatagramIntakeOptions {
  /** Bytes held waiting at most; a datagram that would exceed it is dropped (as the kernel would). */
  maxQueuedBytes?: number;
  /** Datagrams handled per event-loop turn; between turns the loop reads the socket again. */
  perTurn?: number;
  onDrop?: () => void;
  onError?: (error: unknown) => void;
}

/**
 * The QUIC library handles each datagram as it is read, handshake work included (≈ 5–10 ms of CPU each
 * on the main thread), and libuv reads at most 32 datagrams per socket per loop turn: in a reconnect
 * storm the kernel's receive buffer (capped by net.core.rmem_max) overflowed, and each dropped Initial
 * cost its client a retransmission timeout. Here reading only queues; each turn handles `perTurn`
 * datagrams, those of established connections (short header, RFC 9000 §17.3) before handshake
 * packets (long header), so beats and task results are not stuck behind a storm of handshakes. A
 * sender's datagrams keep their order: while one of its handshake datagrams waits, its short-header
 * ones queue behind it (a client's first request may follow its handshake's last flight at once).
 */
export class DatagramIntake {
  private readonly established = new Fifo();
  private readonly handshakes = new Fifo();
  /** Senders (`address port`) with datagrams in `handshakes`, and how many. */
  private readonly waitingSenders = new Map<string, number>();
  private readonly maxQueuedBytes: number;
  private readonly perTurn: number;
  private queuedBytes = 0;
  /** Immediates scheduled and not yet run. */
  private pending = 0;
  private closed = false;

  constructor(
    private readonly handle: DatagramHandler,
    private readonly options: DatagramIntakeOptions = {},
  ) {
    this.maxQueuedBytes = options.maxQueuedBytes ?? 16 * 1024 * 1024;
    this.perTurn = options.perTurn ?? 8;
  }

  /** Queues one datagram as read from the socket. */
  readonly push = (data: Buffer, from: RemoteInfo): void => {
    if (this.closed || data.length === 0) return;
    if (this.queuedBytes + data.length > this.maxQueuedBytes) {
      this.options.onDrop?.();
      return;
    }
    this.queuedBytes += data.length;
    const longHeader = ((data[0] as number) & 0x80) !== 0;
    const sender = longHeader || this.handshakes.length > 0 ? `${from.address} ${from.port}` : '';
    if (longHeader || this.waitingSenders.has(sender)) {
      this.waitingSenders.set(sender, (this.waitingSenders.get(sender) ?? 0) + 1);
      this.handshakes.push([data, from, sender]);
    } else {
      this.established.push([data, from, '']);
    }
    this.schedule();
  };

  get queued(): number {
    return this.established.length + this.handshakes.length;
  }

  /** Drops what is still queued and takes no more. */
  close(): void {
    this.closed = true;
    this.established.clear();
    this.handshakes.clear();
    this.waitingSenders.clear();
    this.queuedBytes = 0;
  }

  /**
   * One immediate per datagram, so the microtasks each handler starts run before the next datagram is
   * handled, as when the socket emitted it (the library relies on that: a connection is in its map
   * before a retransmitted Initial is looked up). At most `perTurn` wait at once: those scheduled
   * while the loop polled run in this turn's check phase, the rest after the next poll.
   */
  private schedule(): void {
    while (this.pending < this.perTurn && this.pending < this.queued) {
      this.pending += 1;
      setImmediate(this.handleOne);
    }
  }

  private readonly handleOne = (): void => {
    this.pending -= 1;
    if (this.closed) return;
    const next = this.established.shift() ?? this.handshakes.shift();
    if (next) {
      const [data, from, sender] = next;
      this.queuedBytes -= data.length;
      const waiting = this.waitingSenders.get(sender);
      if (waiting === 1) this.waitingSenders.delete(sender);
      else if (waiting !== undefined) this.waitingSenders.set(sender, waiting - 1);
      this.handle(data, from).catch((error: unknown) => this.options.onError?.(error));
    }
    if (this.pending === 0) this.schedule();
  };
}

/** Reads `socket` through an intake instead of handing each datagram to `handler` as it is read. */
export function installDatagramIntake(socket: Socket, handler: DatagramHandler, options: DatagramIntakeOptions = {}): DatagramIntake {
  const intake = new DatagramIntake(handler, options);
  socket.off('message', handler);
  socket.on('message', intake.push);
  socket.once('close', () => intake.close());
  return intake;
}

type Queued = [data: Buffer, from: RemoteInfo, sender: string];

/** A queue with O(1) shift: an array read from a moving head, compacted once half of it is spent. */
class Fifo {
  private items: Queued[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: Queued): void {
    this.items.push(item);
  }

  shift(): Queued | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined as unknown as Queued;
    this.head += 1;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}
