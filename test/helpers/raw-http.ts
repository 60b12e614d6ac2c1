// Raw-socket HTTP for tests: exact bytes out (HTTP/1.1 text, HTTP/2 frames), the server's answer in; h2 requests with any :path.
import http2 from 'node:http2';
import net from 'node:net';

/** The fixed client connection preface of HTTP/2 (RFC 9113 §3.4). */
export const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/** A 9-byte HTTP/2 frame header plus payload (RFC 9113 §4.1). */
export function h2Frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId & 0x7fffffff, 5);
  return Buffer.concat([header, payload]);
}

/**
 * The bytes an HTTP/2 client sends for one GET: preface, empty SETTINGS, and a HEADERS frame (END_STREAM |
 * END_HEADERS) whose HPACK block uses static-table names only (RFC 7541 Appendix A), so no encoder is needed.
 */
export function h2Get(path: string, authority: string, scheme: 'http' | 'https'): Buffer {
  const literal = (nameIndex: number, value: string) => Buffer.concat([Buffer.from([nameIndex, value.length]), Buffer.from(value)]);
  const block = Buffer.concat([Buffer.from([0x82, scheme === 'https' ? 0x87 : 0x86]), literal(4, path), literal(1, authority)]);
  return Buffer.concat([H2_PREFACE, h2Frame(0x4, 0, 0, Buffer.alloc(0)), h2Frame(0x1, 0x5, 1, block)]);
}

/** Sends `bytes`, then collects what the server answers until it closes the connection (or `timeoutMs`). */
export function exchange(port: number, bytes: Buffer | string, timeoutMs = 5_000): Promise<{ received: Buffer; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ received: Buffer.concat(chunks), closedByServer: false });
    }, timeoutMs);
    socket.on('connect', () => socket.write(bytes));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ received: Buffer.concat(chunks), closedByServer: true });
    });
  });
}

export interface RawAnswer {
  status: number;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body: string;
}

/** The first HTTP/1.1 response in `bytes` (status line, headers, and the body as far as Content-Length says). */
export function parseResponse(bytes: Buffer): RawAnswer {
  const text = bytes.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete response head in: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? text.length - end - 4);
  return { status, headers, body: text.slice(end + 4, end + 4 + length) };
}

/** One HTTP/1.1 request on its own connection; `request` is sent as written. */
export async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  return parseResponse((await exchange(port, request)).received);
}

/** One HTTP/2 request (prior knowledge or TLS, whatever `session` is) with the headers exactly as given. */
export function h2Answer(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders, body?: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let status = 0;
    let received: Record<string, string> = {};
    let text = '';
    stream.setEncoding('utf8');
    stream.on('response', (answer) => {
      status = Number(answer[':status']);
      received = Object.fromEntries(Object.entries(answer).map(([name, value]) => [name, String(value)]));
    });
    stream.on('data', (chunk: string) => (text += chunk));
    stream.on('end', () => resolve({ status, headers: received, body: text }));
    stream.on('error', reject);
    stream.end(body);
  });
}
