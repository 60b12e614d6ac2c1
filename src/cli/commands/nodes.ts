// `palyra nodes list|invoke|revoke|task` over the admin HTTP API: paired nodes, capability calls and revocation.
import { type Command, InvalidArgumentError } from 'commander';
import { parseDuration, ulidArgument } from '../arguments.js';
import { readGlobalOptions } from '../global-options.js';
import { adminClient } from '../http-client.js';
import { createOutput, EXIT_CODES } from '../output.js';

type NodeBody = {
  device_id: string;
  display_name: string;
  status: string;
  platform: string | null;
  capabilities: { name: string; available: boolean }[];
  online: boolean;
  connected: boolean;
  queued_tasks: number;
  running_tasks: number;
};

interface InvokeResultBody {
  task_id: string;
  success: boolean;
  output: unknown;
  error: string;
}

function jsonValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidArgumentError('expected JSON, e.g. \'{"text":"hi"}\'');
  }
}

const MAX_INVOKE_TIMEOUT_MS = 120_000;
const DEFAULT_INVOKE_TIMEOUT_MS = 30_000;
// The HTTP request outlives the task's own deadline, so the daemon's timeout answer always arrives.
const RESPONSE_GRACE_MS = 5_000;

function invokeTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms > MAX_INVOKE_TIMEOUT_MS) throw new InvalidArgumentError(`at most ${MAX_INVOKE_TIMEOUT_MS / 1000}s`);
  return ms;
}

function presence(node: NodeBody): string {
  if (node.status === 'revoked') return 'revoked';
  if (node.connected) return 'connected';
  return node.online ? 'online' : 'offline';
}

export function registerNodesCommands(program: Command): void {
  const nodes = program.command('nodes');
  const deviceId = ulidArgument('device id');

  nodes
    .command('list')
    .description('list paired nodes with their capabilities and queues')
    .option('--active', 'leave out revoked nodes')
    .action(async (options: { active?: boolean }, command: Command) => {
      const global = readGlobalOptions(command);
      const page = await adminClient(global).get<{ nodes: NodeBody[] }>(`/admin/v1/nodes${options.active ? '?include_revoked=false' : ''}`);
      const rows = page.nodes.map((node) => ({
        ...node,
        presence: presence(node),
        capability_names: node.capabilities.map((capability) => (capability.available ? capability.name : `${capability.name}(off)`)).join(',') || '-',
        tasks: `${node.queued_tasks} queued, ${node.running_tasks} running`,
      }));
      createOutput({ json: global.json }).table(global.json ? page.nodes : rows, [
        { key: 'device_id' },
        { key: 'display_name', header: 'NAME' },
        { key: 'presence', header: 'STATUS' },
        { key: 'platform' },
        { key: 'capability_names', header: 'CAPABILITIES' },
        { key: 'tasks' },
      ]);
    });

  nodes
    .command('invoke')
    .description("run a capability on a node and print its output (exit 1 when the node reports failure)")
    .argument('<device-id>', 'node device id (from `palyra nodes list`)', deviceId)
    .argument('<capability>', 'capability name, e.g. echo or system.health')
    .option('--input <json>', 'input as JSON', jsonValue)
    .option('--timeout <duration>', 'give up after this long (up to 120s)', invokeTimeout, DEFAULT_INVOKE_TIMEOUT_MS)
    .action(async (device: string, capability: string, options: { input?: unknown; timeout: number }, command: Command) => {
      const global = readGlobalOptions(command);
      const result = await adminClient(global).post<InvokeResultBody>(`/admin/v1/nodes/${device}/invoke`, {
        capability,
        ...(options.input !== undefined ? { input: options.input } : {}),
        timeout_ms: options.timeout,
      }, { timeoutMs: options.timeout + RESPONSE_GRACE_MS });
      const output = createOutput({ json: global.json });
      output.result(result, JSON.stringify(result.output, null, 2));
      if (!result.success) {
        output.note(`the node reported failure: ${result.error || '(no message)'} (task ${result.task_id})`);
        process.exitCode = EXIT_CODES.failure;
      }
    });

  nodes
    .command('revoke')
    .description("revoke a node: its certificates stop working, its connections close, its tasks are cancelled")
    .argument('<device-id>', 'node device id', deviceId)
    .option('--reason <text>', 'why (recorded with the revocation)')
    .action(async (device: string, options: { reason?: string }, command: Command) => {
      const global = readGlobalOptions(command);
      const result = await adminClient(global).post<{ device_id: string; revoked: boolean; closed_connections: number }>(
        `/admin/v1/nodes/${device}/revoke`,
        options.reason ? { reason: options.reason } : {},
      );
      createOutput({ json: global.json }).result(
        result,
        result.revoked ? `revoked ${result.device_id} (${result.closed_connections} connections closed)` : `${result.device_id} was already revoked`,
      );
    });

  nodes
    .command('task')
    .description('show one node task (state, attempt, result)')
    .argument('<task-id>', 'task id (printed by invoke failures and in the journal)', ulidArgument('task id'))
    .action(async (id: string, _options: unknown, command: Command) => {
      const global = readGlobalOptions(command);
      const { task } = await adminClient(global).get<{ task: Record<string, unknown> }>(`/admin/v1/nodes/tasks/${id}`);
      createOutput({ json: global.json }).result(task);
    });
}
