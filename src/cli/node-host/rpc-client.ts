// NodeService calls from the node's side: unary calls and the task channel, framed with the transport's codec.
import { CoreError } from '../../core/errors.js';
import {
  BeginPairingRequest,
  BeginPairingResponse,
  GetPairingStatusRequest,
  GetPairingStatusResponse,
  HeartbeatRequest,
  HeartbeatResponse,
  OpenTaskChannelRequest,
  OpenTaskChannelResponse,
  RegisterNodeRequest,
  RegisterNodeResponse,
  RenewCertificateRequest,
  RenewCertificateResponse,
} from '../../gen/palyra/node/v1/node.js';
import { QUIC_CRYPTO_ERROR_BASE, refusalOfAlert } from '../../transport/quic/certificate-alerts.js';
import { type Frame, PROTOCOL_VERSION, readFrames } from '../../transport/quic/codec.js';
import { fromErrorFrame } from '../../transport/quic/errors.js';
import { FrameWriter } from '../../transport/quic/frame-writer.js';
import { METHOD_PREFIX, OPEN_TASK_CHANNEL } from '../../transport/quic/methods.js';
import { QUIC_CLOSE_CODES } from '../../transport/quic/quic-listener.js';
import type { RpcStream } from '../../transport/quic/rpc-stream.js';
import type { NodeLink } from './dial.js';

interface Codec<T> {
  encode(message: T): { finish(): Uint8Array };
  decode(input: Uint8Array): T;
}

type WithoutV<T> = Omit<T, 'v'>;

/** The node's open task channel. */
export interface TaskChannelClient {
  /** Server messages until the channel ends; an error frame is thrown as a CoreError. */
  messages: AsyncGenerator<OpenTaskChannelResponse>;
  send(update: OpenTaskChannelRequest['body']): Promise<void>;
  close(): void;
}

export class NodeRpcClient {
  constructor(
    readonly link: NodeLink,
    private readonly timeoutMs = 15_000,
  ) {}

  beginPairing(request: WithoutV<BeginPairingRequest>): Promise<BeginPairingResponse> {
    return this.unary('BeginPairing', BeginPairingRequest, BeginPairingResponse, request);
  }

  getPairingStatus(request: WithoutV<GetPairingStatusRequest>): Promise<GetPairingStatusResponse> {
    return this.unary('GetPairingStatus', GetPairingStatusRequest, GetPairingStatusResponse, request);
  }

  registerNode(request: WithoutV<RegisterNodeRequest>): Promise<RegisterNodeResponse> {
    return this.unary('RegisterNode', RegisterNodeRequest, RegisterNodeResponse, request);
  }

  heartbeat(request: WithoutV<HeartbeatRequest>): Promise<HeartbeatResponse> {
    return this.unary('Heartbeat', HeartbeatRequest, HeartbeatResponse, request);
  }

  renewCertificate(request: WithoutV<RenewCertificateRequest>): Promise<RenewCertificateResponse> {
    return this.unary('RenewCertificate', RenewCertificateRequest, RenewCertificateResponse, request);
  }

  /** Opens the task channel with its hello; the first server message arrives through `messages`. */
  async openTaskChannel(hello: { deviceId: string; maxConcurrentTasks: number }): Promise<TaskChannelClient> {
    const stream = await this.openStream();
    const writer = new FrameWriter(stream);
    const payload = OpenTaskChannelRequest.encode({ v: PROTOCOL_VERSION, body: { $case: 'hello', value: { deviceId: { ulid: hello.deviceId }, maxConcurrentTasks: hello.maxConcurrentTasks } } }).finish();
    await writer.send({ kind: 'request', method: OPEN_TASK_CHANNEL, payload });
    const frames = readFrames(stream.chunks);
    return {
      messages: (async function* () {
        try {
          for await (const frame of frames) yield decodeFrame(frame, OpenTaskChannelResponse);
        } catch (error) {
          throw toStreamError(error);
        }
      })(),
      send: (body) => writer.send({ kind: 'message', payload: OpenTaskChannelRequest.encode({ v: PROTOCOL_VERSION, body }).finish() }),
      close: () => {
        void writer.end();
        stream.destroy();
      },
    };
  }

  private async openStream(): Promise<RpcStream> {
    try {
      return await this.link.openStream();
    } catch (error) {
      throw toStreamError(error);
    }
  }

  /** One call: request frame, FIN, then one message or error frame. */
  async unary<Req extends { v: number }, Res>(name: string, request: Codec<Req>, response: Codec<Res>, message: WithoutV<Req>): Promise<Res> {
    const stream = await this.openStream();
    const timer = setTimeout(() => stream.destroy(new Error('call timed out')), this.timeoutMs);
    try {
      return await callOnStream(stream, `${METHOD_PREFIX}${name}`, request.encode({ ...message, v: PROTOCOL_VERSION } as Req).finish(), response);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Sends one request frame on `stream` and reads the answer (exported for tests that craft payloads). */
export async function callOnStream<Res>(stream: RpcStream, method: string, payload: Uint8Array, response: Codec<Res>): Promise<Res> {
  const writer = new FrameWriter(stream);
  try {
    await writer.send({ kind: 'request', method, payload });
    await writer.end();
    for await (const frame of readFrames(stream.chunks)) return decodeFrame(frame, response);
    throw new CoreError('unavailable', 'the daemon closed the stream without an answer');
  } catch (error) {
    throw toStreamError(error);
  } finally {
    stream.destroy();
  }
}

/**
 * A failed stream as a CoreError. A refused client certificate shows up here, on the first stream
 * (TLS 1.3 lets the dial itself succeed): over QUIC as CRYPTO_ERROR 0x100 + alert, over TCP as
 * OpenSSL's "SSL alert number N". A revoked certificate is `permission_denied` (fatal for the node
 * host), any other certificate alert `unauthenticated`, both with the alert's name as
 * `details.reason` (the TCP fallback's error frames carry the same names). A connection the daemon
 * closed because this device was revoked is `permission_denied` / `device_revoked`; everything else
 * is `unavailable` (reconnect).
 */
function toStreamError(error: unknown): CoreError {
  if (error instanceof CoreError) return error;
  const data = (error as { data?: { errorCode?: unknown; isApp?: unknown; reason?: unknown } } | null)?.data;
  if (data?.isApp === true && data.errorCode === QUIC_CLOSE_CODES.revoked) {
    const reason = data.reason instanceof Uint8Array && data.reason.length > 0 ? Buffer.from(data.reason).toString('utf8') : 'device revoked';
    return new CoreError('permission_denied', reason, { details: { reason: 'device_revoked' }, cause: error });
  }
  const alert = tlsAlertOf(error);
  const refusal = alert === undefined ? undefined : refusalOfAlert(alert);
  if (refusal) {
    return new CoreError(refusal === 'certificate_revoked' ? 'permission_denied' : 'unauthenticated', `the daemon refused this client certificate: ${refusal} (TLS alert ${alert})`, {
      details: { reason: refusal },
      cause: error,
    });
  }
  return new CoreError('unavailable', `node RPC stream failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
}

/** The TLS alert a failed stream carries: QUIC's CRYPTO_ERROR range, or OpenSSL's message on TCP. */
function tlsAlertOf(error: unknown): number | undefined {
  const data = (error as { data?: { errorCode?: unknown; isApp?: unknown } } | null)?.data;
  const code = data?.errorCode;
  if (data?.isApp !== true && typeof code === 'number' && code >= QUIC_CRYPTO_ERROR_BASE && code <= QUIC_CRYPTO_ERROR_BASE + 0xff) return code - QUIC_CRYPTO_ERROR_BASE;
  const openssl = error instanceof Error ? /SSL alert number (\d+)/.exec(error.message) : null;
  return openssl ? Number(openssl[1]) : undefined;
}

function decodeFrame<T>(frame: Frame, codec: Codec<T>): T {
  if (frame.kind === 'error') throw fromErrorFrame(frame.error);
  if (frame.kind !== 'message') throw new CoreError('internal', 'the daemon sent an unexpected frame');
  return codec.decode(frame.payload);
}
