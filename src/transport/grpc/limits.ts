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

/** What a request decoder yields for a message over MAX_MESSAGE_BYTES; handlers turn it into OUT_OF_RANGE. */
export class OversizeMessage {
  constructor(readonly bytes: number) {}

  toError(): CoreError {
    return new CoreError('out_of_range', `message of ${this.bytes} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit`, {
      details: { limitBytes: MAX_MESSAGE_BYTES },
    });
  }
}

/** The same service with request decoders that yield OversizeMessage instead of decoding big messages. */
export function withMessageLimit<S extends ServiceDefinition>(definition: S): S {
  const limited: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const decode = method.requestDeserialize;
    limited[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => (bytes.length > MAX_MESSAGE_BYTES ? new OversizeMessage(bytes.length) : decode(bytes)),
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
