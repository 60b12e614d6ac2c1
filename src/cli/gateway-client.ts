// How the CLI talks to the gRPC gateway: one channel, credentials from --token or the stored login, errors as core codes.
import * as grpc from '@grpc/grpc-js';
import { ERROR_CODES, type ErrorCode } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { AuthServiceClient } from '../gen/palyra/auth/v1/auth.js';
import { ApprovalsServiceClient, GatewayServiceClient } from '../gen/palyra/gateway/v1/gateway.js';
import type { Command } from 'commander';
import { type GlobalOptions, readGlobalOptions } from './global-options.js';
import { createOutput, type Output } from './output.js';
import { requireTarget } from './credentials.js';

export interface GatewayClients {
  /** The `host:port` the channel dials. */
  address: string;
  gateway: GatewayServiceClient;
  approvals: ApprovalsServiceClient;
  auth: AuthServiceClient;
  metadata(): grpc.Metadata;
  close(): void;
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  [grpc.status.UNAVAILABLE]: 'unavailable',
  [grpc.status.DEADLINE_EXCEEDED]: 'deadline_exceeded',
  [grpc.status.UNAUTHENTICATED]: 'unauthenticated',
  [grpc.status.PERMISSION_DENIED]: 'permission_denied',
  [grpc.status.NOT_FOUND]: 'not_found',
  [grpc.status.INVALID_ARGUMENT]: 'invalid_argument',
};

/** A failed gRPC call as an error the CLI's reporter understands (`code` from the core's list). */
export class GatewayError extends Error {
  constructor(
    message: string,
    readonly code: ErrorCode | 'internal',
  ) {
    super(message);
    this.name = 'GatewayError';
  }
}

/** A failed call as a GatewayError; `address` names the gateway when it could not be reached (not the library's text). */
export function fromServiceError(error: grpc.ServiceError, address: string): GatewayError {
  const trailer = error.metadata?.get('palyra-error-code')[0];
  if (typeof trailer === 'string' && (ERROR_CODES as readonly string[]).includes(trailer)) return new GatewayError(error.details || error.message, trailer as ErrorCode);
  const code = STATUS_CODES[error.code] ?? 'internal';
  if (code === 'unavailable') return new GatewayError(`cannot reach palyrad's gRPC gateway at ${address}`, code);
  if (code === 'deadline_exceeded') return new GatewayError(`palyrad's gRPC gateway at ${address} did not answer in time`, code);
  return new GatewayError(error.details || error.message, code);
}

/**
 * Clients over one channel to --grpc (or the stored login's address), with the credential `requireTarget`
 * finds; `identity.principal` names the admin principal to act as when the credential is an admin token.
 */
export function connectGateway(options: GlobalOptions, identity: { principal?: string } = {}): GatewayClients {
  const { grpc: address, credential } = requireTarget(options);
  const credentials = grpc.credentials.createInsecure();
  const gateway = new GatewayServiceClient(address, credentials);
  const channelOverride = gateway.getChannel();
  const approvals = new ApprovalsServiceClient(address, credentials, { channelOverride });
  const auth = new AuthServiceClient(address, credentials, { channelOverride });
  return {
    address,
    gateway,
    approvals,
    auth,
    metadata() {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', `Bearer ${credential.token}`);
      if (credential.deviceId) metadata.set('x-palyra-device-id', credential.deviceId);
      else if (identity.principal) metadata.set('x-palyra-principal', identity.principal);
      return metadata;
    },
    close: () => gateway.close(),
  };
}

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: Partial<grpc.CallOptions>, callback: (error: grpc.ServiceError | null, response: Res) => void) => unknown;

/** A unary call as a promise; failures become GatewayError. */
export function unaryCall<Req, Res>(clients: GatewayClients, client: object, method: Unary<Req, Res>, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(client, request, clients.metadata(), {}, (error, response) => (error ? reject(fromServiceError(error, clients.address)) : resolve(response)));
  });
}

export { newId };

/** Connects, runs `work`, closes the channel: the shape of every unary gRPC command. */
export async function withClients(command: Command, work: (clients: GatewayClients, out: Output, globals: GlobalOptions) => Promise<void>): Promise<void> {
  const globals = readGlobalOptions(command);
  const clients = connectGateway(globals);
  try {
    await work(clients, createOutput({ json: globals.json }), globals);
  } finally {
    clients.close();
  }
}
