// Message and connection limits of the gateway, and the request decoding that enforces the message limit.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { CoreError } from '../../core/errors.js';

/** The largest message accepted or sent, in bytes (the reference's 4 MiB, both directions). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/**
 * What grpc-js itself buffers before refusing (RESOURCE_EXHAUSTED). Messages between the two limits
 * are read and refused by us with OUT_OF_RANGE, the reference's code for an oversized request.
 */
export const HARD_MESSAGE_BYTES = 2 * MAX_MESSAGE_BYTES;
export const DEFAULT_MAX_CONCURRENT_STREAMS = 1024;
/** The largest message a call that needs no credentials may send (GetHealth, grpc.health.v1, reflection). */
export const PUBLIC_MAX_MESSAGE_BYTES = 4096;

export interface GrpcLimits {
  /** HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS). */
  maxConcurrentStreams: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
}

export const DEFAULT_GRPC_LIMITS: GrpcLimits = {
  maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
  keepaliveTimeMs: 60_000,
  keepaliveTimeoutMs: 20_000,
};

/**
 * What a request decoder yields instead of a message it will not decode: one over MAX_MESSAGE_BYTES
 * (`out_of_range`), or bytes that are no valid encoding of the request type (`invalid_argument`: the
 * caller's fault, not ours). The call then ends with `error`, and is counted like any other.
 */
export class RefusedMessage {
  constructor(readonly error: CoreError) {}
}

/** The same service with request decoders that yield RefusedMessage instead of throwing or decoding big messages. */
export function withRequestDecoding<S extends ServiceDefinition>(definition: S): S {
  const limited: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    limited[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        if (bytes.length > MAX_MESSAGE_BYTES) {
          return new RefusedMessage(
            new CoreError('out_of_range', `message of ${bytes.length} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`, { details: { limitBytes: MAX_MESSAGE_BYTES } }),
          );
        }
        try {
          return decode(bytes);
        } catch {
          return new RefusedMessage(new CoreError('invalid_argument', `the request is not a valid protobuf encoding of the ${method.path} request message`));
        }
      },
    };
  }
  return limited as S;
}

/** grpc-js server options for these limits. */
export function serverOptions(limits: GrpcLimits): Record<string, number> {
  return {
    'grpc.max_receive_message_length': HARD_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_concurrent_streams': limits.maxConcurrentStreams,
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs,
  };
}
