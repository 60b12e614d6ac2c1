// A gRPC client on raw node:http2 for tests: length-prefixed frames out, messages and the grpc-status trailers in.
import assert from 'node:assert/strict';
import type http2 from 'node:http2';

export interface RawCall {
  /** Sends one length-prefixed message. */
  send(message: Uint8Array): void;
  /** Writes bytes as they are: a partial frame, a prefix announcing more than follows. */
  write(bytes: Uint8Array): void;
  /** Half-closes the request side. */
  end(): void;
  /** Messages as they arrive. */
  onMessage(listener: (message: Buffer) => void): void;
  /** Resolves with grpc-status / grpc-message from the trailers (or a trailers-only response). */
  done: Promise<{ status: number; message: string; messages: Buffer[] }>;
}

export function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

export function openRaw(session: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}): RawCall {
  const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/grpc', te: 'trailers', ...headers });
  const messages: Buffer[] = [];
  const listeners: Array<(message: Buffer) => void> = [];
  let pending = Buffer.alloc(0);
  let statusHeaders: http2.IncomingHttpHeaders | undefined;
  stream.on('response', (responseHeaders) => {
    assert.equal(responseHeaders[':status'], 200);
    assert.match(String(responseHeaders['content-type']), /^application\/grpc/);
    if (responseHeaders['grpc-status'] !== undefined) statusHeaders = responseHeaders;
  });
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const length = pending.readUInt32BE(1);
      assert.equal(pending[0], 0, 'uncompressed');
      const message = pending.subarray(5, 5 + length);
      pending = pending.subarray(5 + length);
      messages.push(message);
      for (const listener of listeners) listener(message);
    }
  });
  stream.on('trailers', (trailers) => (statusHeaders = trailers));
  const done = new Promise<{ status: number; message: string; messages: Buffer[] }>((resolve, reject) => {
    stream.on('error', reject);
    stream.on('close', () => {
      if (!statusHeaders) return reject(new Error('no grpc-status'));
      resolve({ status: Number(statusHeaders['grpc-status']), message: decodeURIComponent(String(statusHeaders['grpc-message'] ?? '')), messages });
    });
  });
  return {
    send: (message) => stream.write(frame(message)),
    write: (bytes) => stream.write(bytes),
    end: () => stream.end(),
    onMessage: (listener) => listeners.push(listener),
    done,
  };
}
