// BrowserdClient: the daemon's one pooled gRPC channel to palyra-browserd, speaking the contract's wire names.
import * as grpc from '@grpc/grpc-js';
import type { BrowserCallOptions, BrowserMessage, BrowserMethod } from '../../core/browser/browser-port.js';
import { CoreError } from '../../core/errors.js';
import * as proto from '../../gen/palyra/browser/v1/browser.js';
import { browserdError } from './browserd-errors.js';
import { fromWire, toWire } from './browser-wire.js';

interface MessageCodec {
  fromJSON(object: unknown): unknown;
}

type MethodDefinition = grpc.MethodDefinition<unknown, unknown>;

const PRINCIPAL_HEADER = 'x-palyra-principal';

/**
 * One channel for the life of an endpoint: calls multiplex over it (HTTP/2), each with its own deadline,
 * the caller's principal and the service token. `close()` cancels nothing in flight; it stops the channel.
 */
export class BrowserdClient {
  readonly endpoint: string;
  readonly #client: grpc.Client;
  readonly #token: string;
  readonly #state: () => string;

  constructor(endpoint: string, token: string, state: () => string) {
    this.endpoint = endpoint;
    this.#token = token;
    this.#state = state;
    this.#client = new grpc.Client(endpoint, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 16 * 1024 * 1024,
      'grpc.keepalive_time_ms': 30_000,
      'grpc.enable_retries': 0,
    });
  }

  /** @throws CoreError mapped from the call status (browserd-errors.ts); `failed_precondition` for a method this service lacks. */
  call(method: BrowserMethod, request: BrowserMessage, options: BrowserCallOptions): Promise<BrowserMessage> {
    const definition = (proto.BrowserServiceService as unknown as Record<string, MethodDefinition | undefined>)[method];
    const codec = (proto as unknown as Record<string, MessageCodec | undefined>)[`${method[0]!.toUpperCase()}${method.slice(1)}Request`];
    if (definition === undefined || codec === undefined) return Promise.reject(new CoreError('failed_precondition', `the browser service contract has no ${method}`));
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${this.#token}`);
    metadata.set(PRINCIPAL_HEADER, options.principal);
    const message = codec.fromJSON(fromWire({ v: 1, ...request }));
    return new Promise((resolve, reject) => {
      if (options.signal.aborted) {
        reject(new CoreError('cancelled', 'browser call cancelled'));
        return;
      }
      const call = this.#client.makeUnaryRequest(
        definition.path,
        definition.requestSerialize,
        definition.responseDeserialize,
        message,
        metadata,
        { deadline: Date.now() + options.timeoutMs },
        (error, response) => {
          options.signal.removeEventListener('abort', onAbort);
          if (error) reject(options.signal.aborted ? new CoreError('cancelled', 'browser call cancelled') : browserdError(error, this.#state()));
          else resolve(toWire(response) as BrowserMessage);
        },
      );
      const onAbort = () => call.cancel();
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.#client.close();
  }
}
