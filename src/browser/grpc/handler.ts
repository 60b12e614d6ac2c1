// Wraps each BrowserService method: decode refusal → authenticate → impl → response or mapped status.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { newId } from '../../core/ids.js';
import { toCallStatus } from '../../transport/grpc/errors.js';
import { RefusedMessage } from '../../transport/grpc/limits.js';
import { authenticateBrowserCall, type CallAuth } from './auth.js';

export interface BrowserHandlerDeps {
  auth: CallAuth;
  logger: Logger;
}

/** A unary method whose impl gets the request and the authenticated principal; errors leave as gRPC statuses (one table: transport/grpc/errors.ts). */
export function browserUnary<Req, Res>(deps: BrowserHandlerDeps, impl: (request: Req, principal: string) => Promise<Res> | Res): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const requestId = newId();
    const fail = (error: unknown) => {
      const status = toCallStatus(error, requestId, deps.logger);
      callback({ ...status, message: status.details });
    };
    try {
      const principal = authenticateBrowserCall(deps.auth, call.metadata);
      const request = call.request as Req | RefusedMessage;
      if (request instanceof RefusedMessage) throw request.error;
      Promise.resolve(impl(request, principal)).then((response) => callback(null, response), fail);
    } catch (error) {
      fail(error);
    }
  };
}
