// Doctor checks of the configured ports: palyrad answers there, or the port is free, or it names who holds it and how to move.
import { createSocket } from 'node:dgram';
import { createServer, isIPv6 } from 'node:net';
import { LISTENERS } from '../../infra/listen-errors.js';
import { check, type CheckResult } from './check.js';
import { findPortHolder, type Protocol } from './port-holder.js';

export interface PortToCheck {
  listener: keyof typeof LISTENERS;
  protocol: Protocol;
  host: string;
  port: number;
  /** palyrad answered on this listener (so the port is held by the daemon we asked). */
  servedByDaemon: boolean;
}

/** Binds and releases the port: undefined when it was free, else the error code (EADDRINUSE, EACCES, …). */
function tryBind(protocol: Protocol, host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const failed = (error: NodeJS.ErrnoException) => resolve(error.code ?? 'EUNKNOWN');
    if (protocol === 'tcp') {
      const server = createServer();
      server.once('error', failed);
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(undefined)));
    } else {
      const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
      socket.once('error', (error) => {
        socket.close();
        failed(error);
      });
      socket.bind({ address: host, port, exclusive: true }, () => socket.close(() => resolve(undefined)));
    }
  });
}

function holderText(protocol: Protocol, port: number): string {
  const holder = findPortHolder(protocol, port);
  if (!holder) return 'another process';
  if (holder.pid === undefined) return `a process of uid ${holder.uid} that this user cannot see (sudo ss -${protocol === 'tcp' ? 'lt' : 'lu'}np 'sport = :${port}' names it)`;
  return `pid ${holder.pid}${holder.command ? ` (${holder.command})` : ''}`;
}

export async function portCheck(item: PortToCheck): Promise<CheckResult> {
  const spec = LISTENERS[item.listener];
  const name = `port:${item.listener}`;
  const where = `${item.port}/${item.protocol}`;
  if (item.port === 0) return check(name, 'skip', `${spec.tomlKey} is 0: palyrad picks a free port at start`);
  if (item.servedByDaemon) return check(name, 'ok', `${where} on ${item.host}: palyrad answers there`);
  const move = `give palyrad another port: ${spec.flag} <port> / ${spec.env} (palyra.toml ${spec.tomlKey})`;
  const code = await tryBind(item.protocol, item.host, item.port);
  if (code === undefined) return check(name, 'ok', `${where} on ${item.host} is free`);
  if (code === 'EADDRINUSE') return check(name, 'fail', `${where} on ${item.host} is held by ${holderText(item.protocol, item.port)}, and palyrad does not answer there`, `stop that process, or ${move}`);
  if (code === 'EACCES') return check(name, 'fail', `not allowed to bind ${where} (ports below 1024 need privileges)`, move);
  if (code === 'EADDRNOTAVAIL') return check(name, 'fail', `${item.host} is not an address of this machine`, 'set the listener host (--host / palyra.toml) to an address of this machine');
  return check(name, 'fail', `cannot bind ${where} on ${item.host}: ${code}`, move);
}
