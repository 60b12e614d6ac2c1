// Node RPC frame codec: length-prefixed frames over any byte stream (QUIC stream or TLS socket); knows nothing of QUIC.

/** The one protocol version; every frame carries it and any other value is refused (reference bug 13: 0 is not 1). */
export const PROTOCOL_VERSION = 1;
/** Largest frame body (kind + version + rest), as in the reference: 512 KiB. */
export const MAX_FRAME_BYTES = 512 * 1024;
/** Longest method name in a request frame. */
export const MAX_METHOD_BYTES = 255;

export const FrameKind = {
  /** Opens a call: method name, then the first request message. */
  request: 1,
  /** A protobuf message: a response, or a later message of a streaming call. */
  message: 2,
  /** Ends the call with an error: UTF-8 JSON `{ code, message, reason?, retryable, details? }`. */
  error: 3,
} as const;

export type Frame =
  | { kind: 'request'; method: string; payload: Uint8Array }
  | { kind: 'message'; payload: Uint8Array }
  | { kind: 'error'; error: ErrorFramePayload };

/** What an error frame carries (`code` is a core error code). */
export interface ErrorFramePayload {
  code: string;
  message: string;
  /** Finer cause: `frame_too_large`, `malformed_frame`, `protocol_mismatch`, `unsupported_method`, or the core's `details.reason`. */
  reason?: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** A frame the peer sent that breaks the format; the stream is answered with an error frame and closed. */
export class FrameError extends Error {
  constructor(
    readonly reason: 'frame_too_large' | 'malformed_frame' | 'protocol_mismatch',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

const HEADER_BYTES = 4;

/** `u32be(length) ‖ kind:u8 ‖ version:u8 ‖ rest`. @throws FrameError when the body exceeds the limit. */
export function encodeFrame(frame: Frame, maxFrameBytes = MAX_FRAME_BYTES): Buffer {
  let rest: Buffer;
  if (frame.kind === 'request') {
    const method = Buffer.from(frame.method, 'utf8');
    if (method.length === 0 || method.length > MAX_METHOD_BYTES) throw new FrameError('malformed_frame', `method name must be 1-${MAX_METHOD_BYTES} bytes`);
    rest = Buffer.concat([Buffer.from([method.length]), method, frame.payload]);
  } else if (frame.kind === 'message') {
    rest = Buffer.from(frame.payload);
  } else {
    rest = Buffer.from(JSON.stringify(frame.error), 'utf8');
  }
  const bodyLength = 2 + rest.length;
  if (bodyLength > maxFrameBytes) throw new FrameError('frame_too_large', `frame payload exceeds limit (${bodyLength} bytes > ${maxFrameBytes} bytes)`);
  const header = Buffer.alloc(HEADER_BYTES + 2);
  header.writeUInt32BE(bodyLength, 0);
  header[4] = FrameKind[frame.kind];
  header[5] = PROTOCOL_VERSION;
  return Buffer.concat([header, rest]);
}

/** Parses one frame body (without its length prefix). @throws FrameError. */
export function decodeFrameBody(body: Uint8Array): Frame {
  if (body.length < 2) throw new FrameError('malformed_frame', 'frame is shorter than its kind and version');
  const kind = body[0];
  const version = body[1];
  if (version !== PROTOCOL_VERSION) throw new FrameError('protocol_mismatch', `protocol version ${String(version)} is not supported (expected ${PROTOCOL_VERSION})`);
  const rest = body.subarray(2);
  if (kind === FrameKind.request) {
    const methodLength = rest[0] ?? 0;
    if (methodLength === 0 || rest.length < 1 + methodLength) throw new FrameError('malformed_frame', 'request frame has no method name');
    const method = Buffer.from(rest.subarray(1, 1 + methodLength)).toString('utf8');
    return { kind: 'request', method, payload: rest.subarray(1 + methodLength) };
  }
  if (kind === FrameKind.message) return { kind: 'message', payload: rest };
  if (kind === FrameKind.error) {
    try {
      const parsed = JSON.parse(Buffer.from(rest).toString('utf8')) as ErrorFramePayload;
      if (typeof parsed.code !== 'string' || typeof parsed.message !== 'string') throw new Error('missing fields');
      return { kind: 'error', error: { ...parsed, retryable: parsed.retryable === true } };
    } catch {
      throw new FrameError('malformed_frame', 'error frame is not the expected JSON');
    }
  }
  throw new FrameError('malformed_frame', `unknown frame kind ${String(kind)}`);
}

const NOTHING_BUFFERED = Buffer.alloc(0);

/**
 * Splits a byte stream into frames. The length prefix is checked before the body is buffered, so an
 * oversized frame costs 4 bytes, not its claimed size. Yields frames until the stream ends; an end in
 * the middle of a frame is `malformed_frame`. @throws FrameError.
 */
export async function* readFrames(chunks: AsyncIterable<Uint8Array>, maxFrameBytes = MAX_FRAME_BYTES): AsyncGenerator<Frame> {
  let buffered: Buffer = NOTHING_BUFFERED;
  for await (const chunk of chunks) {
    // A view, not a pooled copy: a partial frame or a decoded payload kept for long would pin a whole
    // pool slab. Chunks are the reader's own (the QUIC library copies each out; sockets allocate per read).
    buffered = buffered.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < HEADER_BYTES) break;
      const length = buffered.readUInt32BE(0);
      if (length > maxFrameBytes) throw new FrameError('frame_too_large', `frame payload exceeds limit (${length} bytes > ${maxFrameBytes} bytes)`);
      if (buffered.length < HEADER_BYTES + length) break;
      const body = buffered.subarray(HEADER_BYTES, HEADER_BYTES + length);
      buffered = buffered.length === HEADER_BYTES + length ? NOTHING_BUFFERED : buffered.subarray(HEADER_BYTES + length);
      yield decodeFrameBody(body);
    }
  }
  if (buffered.length > 0) throw new FrameError('malformed_frame', 'stream ended in the middle of a frame');
}
