// The gRPC gateway commands: run/chat, sessions list, approvals list|decide, tokens create|list|revoke.
import type { Command } from 'commander';
import { unaryCall, withClients } from '../gateway-client.js';
import { CliError, EXIT_CODES } from '../output.js';
import { registerRunCommands } from './run-stream.js';
import { registerRunsGroup } from './runs.js';
import { addGrpcRunCommands } from './runs-grpc.js';

const DECISIONS = ['pending', 'allow', 'deny', 'timeout', 'error'];

export function registerGatewayCommands(program: Command): void {
  registerRunCommands(program);
  addGrpcRunCommands(registerRunsGroup(program));

  program
    .command('sessions')
    .command('list')
    .option('--archived', 'include archived sessions')
    .option('--limit <n>', 'at most this many', '100')
    .action((options: { archived?: boolean; limit: string }, command: Command) =>
      withClients(command, async (clients, out) => {
        const response = await unaryCall(clients, clients.gateway, clients.gateway.listSessions, { v: 1, afterSessionKey: '', limit: Number(options.limit), includeArchived: options.archived === true, q: '' });
        out.table(
          response.sessions.map((session) => ({ session_id: session.sessionId?.ulid, session_key: session.sessionKey, last_run_state: session.lastRunState, updated_at: new Date(session.updatedAtUnixMs).toISOString() })),
          [{ key: 'session_id' }, { key: 'session_key' }, { key: 'last_run_state' }, { key: 'updated_at' }],
        );
      }),
    );

  const approvals = program.command('approvals');
  approvals
    .command('list')
    .option('--pending', 'only undecided approvals')
    .action((options: { pending?: boolean }, command: Command) =>
      withClients(command, async (clients, out) => {
        const response = await unaryCall(clients, clients.approvals, clients.approvals.listApprovals, {
          v: 1, afterApprovalUlid: '', limit: 100, sinceUnixMs: 0, untilUnixMs: 0, subjectId: '', principal: '', decision: 0, subjectType: 0, pendingOnly: options.pending === true,
        });
        out.table(
          response.approvals.map((record) => ({ approval_id: record.approvalId?.ulid, run_id: record.runId?.ulid, tool: record.toolName, decision: DECISIONS[record.decision] ?? 'pending', summary: record.requestSummary })),
          [{ key: 'approval_id' }, { key: 'run_id' }, { key: 'tool' }, { key: 'decision' }, { key: 'summary' }],
        );
      }),
    );
  approvals
    .command('decide')
    .argument('<approval_id>')
    .argument('<decision>', 'allow | deny')
    .option('--scope <scope>', 'once | session', 'once')
    .option('--reason <text>', 'why')
    .action((approvalId: string, decision: string, options: { scope: string; reason?: string }, command: Command) =>
      withClients(command, async (clients, out) => {
        if (decision !== 'allow' && decision !== 'deny') throw new CliError('decision must be allow or deny', { exitCode: EXIT_CODES.usage });
        const response = await unaryCall(clients, clients.approvals, clients.approvals.decideApproval, {
          v: 1, approvalId: { ulid: approvalId }, approved: decision === 'allow', reason: options.reason ?? '', decisionScope: options.scope === 'session' ? 2 : 1, decisionScopeTtlMs: 0,
        });
        out.result({ approval_id: approvalId, decision: DECISIONS[response.approval?.decision ?? 0] }, `${approvalId}: ${DECISIONS[response.approval?.decision ?? 0]}`);
      }),
    );

  const tokens = program.command('tokens');
  tokens
    .command('create')
    .argument('<name>')
    .requiredOption('--principal <principal>', 'who the token acts as, e.g. user:alice')
    .option('--scope <scope...>', 'scopes (repeatable)', ['*'])
    .option('--ttl <seconds>', 'lifetime in seconds (0: no expiry)', '0')
    .action((name: string, options: { principal: string; scope: string[]; ttl: string }, command: Command) =>
      withClients(command, async (clients, out) => {
        const response = await unaryCall(clients, clients.auth, clients.auth.createApiToken, { v: 1, name, principal: options.principal, scopes: options.scope, ttlSeconds: Number(options.ttl) });
        out.result({ token: response.token, token_id: response.info?.tokenId?.ulid, principal: response.info?.principal, scopes: response.info?.scopes }, `${response.token}\n(shown once; token id ${response.info?.tokenId?.ulid})`);
      }),
    );
  tokens
    .command('list')
    .option('--all', 'include revoked tokens')
    .action((options: { all?: boolean }, command: Command) =>
      withClients(command, async (clients, out) => {
        const response = await unaryCall(clients, clients.auth, clients.auth.listApiTokens, { v: 1, afterTokenId: '', limit: 500, includeRevoked: options.all === true });
        out.table(
          response.tokens.map((token) => ({ token_id: token.tokenId?.ulid, name: token.name, principal: token.principal, scopes: token.scopes.join(','), revoked: token.revokedAtUnixMs > 0 })),
          [{ key: 'token_id' }, { key: 'name' }, { key: 'principal' }, { key: 'scopes' }, { key: 'revoked' }],
        );
      }),
    );
  tokens
    .command('revoke')
    .argument('<token_id>')
    .action((tokenId: string, _options: unknown, command: Command) =>
      withClients(command, async (clients, out) => {
        const response = await unaryCall(clients, clients.auth, clients.auth.revokeApiToken, { v: 1, tokenId: { ulid: tokenId }, reason: '' });
        out.result({ token_id: tokenId, revoked: response.revoked }, response.revoked ? `revoked ${tokenId}` : `${tokenId} was already revoked`);
      }),
    );
}
