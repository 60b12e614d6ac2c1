// `palyra pairing create|list|approve|reject` over the admin HTTP API: codes for new nodes and the operator's decision.
import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration, ulidArgument } from '../arguments.js';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput } from '../output.js';

interface CodeBody {
  code_id: string;
  join_string: string;
  expires_at_unix_ms: number;
  ca_fingerprint: string;
  auto_approve: boolean;
}

type PairingRequestBody = {
  pairing_id: string;
  device_id: string;
  display_name: string;
  identity_fingerprint: string;
  peer: string;
  state: string;
  requested_at_unix_ms: number;
  decided_by: string | null;
  reason: string | null;
};

const STATES = ['pending', 'approved', 'rejected', 'completed', 'expired'];

function state(value: string): string {
  if (!STATES.includes(value)) throw new InvalidArgumentError(`expected one of ${STATES.join(', ')}`);
  return value;
}

function addDecision(pairing: Command, verb: 'approve' | 'reject', description: string): void {
  pairing
    .command(verb)
    .description(description)
    .argument('<pairing-id>', 'pairing request id (from `palyra pairing list`)', ulidArgument('pairing request id'))
    .option('--reason <text>', 'why (recorded with the decision)')
    .action(async (id: string, options: { reason?: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const { request } = await adminClient(global).post<{ request: PairingRequestBody }>(`/admin/v1/pairing/requests/${id}/${verb}`, options.reason ? { reason: options.reason } : {});
      createOutput({ json: global.json }).result(request, `${request.pairing_id} ${request.state} (device ${request.device_id}; ${request.reason ?? ''})`);
    });
}

export function registerPairingCommands(program: Command): void {
  const pairing = program.command('pairing');

  pairing
    .command('create')
    .description('mint a single-use pairing code and print its join string (hand it to `palyra node pair`)')
    .option('--ttl <duration>', 'how long the code stays usable (30s to 24h)', parseDuration)
    .option('--auto-approve', 'approve the first node that proves the code, without an operator')
    .action(async (options: { ttl?: number; autoApprove?: boolean }, command: Command) => {
      const global = readGlobalOptions(command);
      const body = { ...(options.ttl !== undefined ? { ttl_seconds: Math.max(1, Math.round(options.ttl / 1000)) } : {}), auto_approve: options.autoApprove === true };
      const code = await adminClient(global).post<CodeBody>('/admin/v1/pairing/codes', body);
      const output = createOutput({ json: global.json });
      output.result(code, code.join_string);
      output.note(`expires ${new Date(code.expires_at_unix_ms).toISOString()}; daemon CA ${code.ca_fingerprint}`);
      output.note(code.auto_approve ? 'the first node to use it is approved at once' : 'then approve the request: palyra pairing list, palyra pairing approve <pairing-id>');
    });

  pairing
    .command('list')
    .description('list pairing requests (compare the identity fingerprint with what the node printed)')
    .option('--state <state>', `only this state (${STATES.join(', ')})`, state)
    .action(async (options: { state?: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const page = await adminClient(global).get<{ requests: PairingRequestBody[] }>(`/admin/v1/pairing/requests${options.state ? `?state=${options.state}` : ''}`);
      const rows = page.requests.map((request) => ({ ...request, requested: new Date(request.requested_at_unix_ms).toISOString() }));
      createOutput({ json: global.json }).table(global.json ? page.requests : rows, [
        { key: 'pairing_id' },
        { key: 'state' },
        { key: 'device_id' },
        { key: 'display_name', header: 'NAME' },
        { key: 'peer' },
        { key: 'requested' },
        { key: 'identity_fingerprint', header: 'IDENTITY' },
      ]);
    });

  addDecision(pairing, 'approve', 'approve a pending pairing request (issues the node its certificate)');
  addDecision(pairing, 'reject', 'reject a pending pairing request');
}
