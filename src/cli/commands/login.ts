// `palyra login` / `palyra logout`: one stored session credential that every command then uses, over HTTP and gRPC.
import type { Command } from 'commander';
import { adminTokenTarget } from '../credentials.js';
import { connectGateway, fromServiceError, newId, unaryCall } from '../gateway-client.js';
import { readGlobalOptions } from '../global-options.js';
import { createOutput } from '../output.js';
import { loadSession, removeSession, saveSession, sessionFilePath } from '../session-file.js';

export function registerLoginCommands(program: Command): void {
  program
    .command('login')
    .option('--principal <admin:name>', 'the admin principal to act as', 'admin:local')
    .option('--ttl <seconds>', 'session lifetime in seconds', '3600')
    .action(async (options: { principal: string; ttl: string }, command: Command) => {
      const globals = readGlobalOptions(command);
      const target = adminTokenTarget(globals);
      const clients = connectGateway({ ...globals, token: target.credential.token }, { principal: options.principal });
      const deviceId = newId();
      try {
        const metadata = clients.metadata();
        metadata.set('x-palyra-device-id', deviceId);
        const response = await new Promise<{ sessionToken: string; principal: string; expiresAtUnixMs: number }>((resolve, reject) =>
          clients.auth.exchangeToken({ v: 1, scopes: [], ttlSeconds: Number(options.ttl) }, metadata, (error, value) => (error ? reject(fromServiceError(error, clients.address)) : resolve(value))),
        );
        const path = saveSession({
          token: response.sessionToken,
          principal: response.principal,
          device_id: deviceId,
          url: target.url,
          grpc: target.grpc,
          expires_at_unix_ms: response.expiresAtUnixMs,
        });
        const expiresAt = new Date(response.expiresAtUnixMs).toISOString();
        createOutput({ json: globals.json }).result(
          { principal: response.principal, device_id: deviceId, url: target.url, grpc: target.grpc, expires_at: expiresAt, saved_to: path },
          `logged in to ${target.url} as ${response.principal} until ${expiresAt} (saved to ${path})`,
        );
      } finally {
        clients.close();
      }
    });

  program
    .command('logout')
    .action(async (_options: unknown, command: Command) => {
      const globals = readGlobalOptions(command);
      const output = createOutput({ json: globals.json });
      const session = loadSession();
      let revoked = false;
      if (session) {
        const clients = connectGateway({ ...globals, token: undefined, urlGiven: false, grpcGiven: false });
        try {
          revoked = (await unaryCall(clients, clients.auth, clients.auth.revokeToken, { v: 1, tokenId: undefined })).revoked;
        } catch (error) {
          // The file goes either way: an unreachable daemon must not keep a user logged in locally.
          output.note(`could not revoke the session on the daemon: ${(error as Error).message}`);
        } finally {
          clients.close();
        }
      }
      const removed = removeSession();
      output.result(
        { logged_out: removed, revoked, path: sessionFilePath() },
        removed ? `logged out${revoked ? ' (session revoked on the daemon)' : ''}` : 'not logged in',
      );
    });
}
