// grpc-js clients of the gateway for tests: credentials as metadata, promisified unary calls, RunStream drivers.
import * as grpc from '@grpc/grpc-js';
import { newId } from '../../src/core/ids.js';
import { AuthServiceClient } from '../../src/gen/palyra/auth/v1/auth.js';
import { type RunStreamEvent, RunStreamRequest } from '../../src/gen/palyra/common/v1/common.js';
import { ApprovalsServiceClient, GatewayServiceClient } from '../../src/gen/palyra/gateway/v1/gateway.js';

export interface Identity {
  token?: string;
  principal?: string;
  deviceId?: string;
  channel?: string;
}

export function metadataFor(identity: Identity): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (identity.token !== undefined) metadata.set('authorization', `Bearer ${identity.token}`);
  if (identity.principal) metadata.set('x-palyra-principal', identity.principal);
  if (identity.deviceId) metadata.set('x-palyra-device-id', identity.deviceId);
  if (identity.channel) metadata.set('x-palyra-channel', identity.channel);
  return metadata;
}

export interface Clients {
  gateway: GatewayServiceClient;
  approvals: ApprovalsServiceClient;
  auth: AuthServiceClient;
  close(): void;
}

/** Clients sharing one channel to `address`. */
export function connect(address: string, options: grpc.ClientOptions = {}): Clients {
  const credentials = grpc.credentials.createInsecure();
  const gateway = new GatewayServiceClient(address, credentials, options);
  const channelOverride = gateway.getChannel();
  const approvals = new ApprovalsServiceClient(address, credentials, { ...options, channelOverride });
  const auth = new AuthServiceClient(address, credentials, { ...options, channelOverride });
  return { gateway, approvals, auth, close: () => gateway.close() };
}

type UnaryMethod<Req, Res> = (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/** Calls a unary method of `client` as a promise. */
export function call<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req, identity: Identity): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, metadataFor(identity), {}, (error, response) => (error ? reject(error) : resolve(response)));
  });
}

/** Resolves with the ServiceError a call fails with; rejects if it succeeds. */
export async function callError<Req, Res>(client: object, method: UnaryMethod<Req, Res>, request: Req, identity: Identity): Promise<grpc.ServiceError> {
  try {
    await call(client, method, request, identity);
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('the call succeeded but was expected to fail');
}

export function openRequest(text: string, ids: { sessionId?: string; runId?: string } = {}): RunStreamRequest {
  return RunStreamRequest.create({
    v: 1,
    sessionId: { ulid: ids.sessionId ?? newId() },
    runId: { ulid: ids.runId ?? newId() },
    input: { v: 1, timestampUnixMs: Date.now(), content: { text } },
  });
}

export function turnRequest(text: string): RunStreamRequest {
  return { ...openRequest(text), sessionId: undefined, runId: undefined };
}

export function approvalRequest(proposalId: string, approvalId: string, approved: boolean, scope = 1, ttlMs = 0): RunStreamRequest {
  return RunStreamRequest.create({
    v: 1,
    toolApprovalResponse: { proposalId: { ulid: proposalId }, approvalId: { ulid: approvalId }, approved, decisionScope: scope, decisionScopeTtlMs: ttlMs },
  });
}

export interface StreamResult {
  events: RunStreamEvent[];
  error: grpc.ServiceError | null;
}

/** Collects every event of a stream call until it ends; `onEvent` may write to the call. */
export function collect(
  stream: grpc.ClientDuplexStream<RunStreamRequest, RunStreamEvent> | grpc.ClientReadableStream<RunStreamEvent>,
  onEvent: (event: RunStreamEvent, events: RunStreamEvent[]) => void = () => undefined,
): Promise<StreamResult> {
  const events: RunStreamEvent[] = [];
  return new Promise((resolve) => {
    stream.on('data', (event: RunStreamEvent) => {
      events.push(event);
      onEvent(event, events);
    });
    stream.on('error', (error: grpc.ServiceError) => resolve({ events, error }));
    stream.on('end', () => resolve({ events, error: null }));
  });
}

/** A compact name per event: `status:accepted`, `model_token`, `tool_proposal`, ... */
export function kinds(events: RunStreamEvent[]): string[] {
  return events.map((event) => {
    const body = event.body;
    if (!body) return 'empty';
    if (body.$case === 'status') return `status:${['unspecified', 'accepted', 'in_progress', 'done', 'failed'][body.value.kind]}`;
    return body.$case;
  });
}
