// `palyra doctor`: runs every check of this machine's Palyra setup and prints one line each (or JSON); exit 1 when one fails.
import type { Command } from 'commander';
import { check, type CheckResult, type CheckStatus } from '../doctor/check.js';
import { chromiumCheck } from '../doctor/chromium-check.js';
import { clockCheck, credentialCheck, grpcCheck, probeHttp, quicCheck } from '../doctor/daemon-checks.js';
import { resolveDoctorTarget } from '../doctor/doctor-target.js';
import { portCheck } from '../doctor/port-checks.js';
import { nodeVersionCheck, npmVersionCheck, quicNativeCheck, sqliteCheck } from '../doctor/runtime-checks.js';
import { adminTokenFileCheck, stateDirCheck } from '../doctor/state-checks.js';
import { daemonCaCheck, tlsCertificateCheck } from '../doctor/tls-checks.js';
import { type GlobalOptions, readGlobalOptions } from '../global-options.js';
import { createOutput, EXIT_CODES } from '../output.js';
import { paint } from '../style.js';

const MARKS: Record<CheckStatus, { mark: string; colour: 'green' | 'yellow' | 'red' | 'gray' }> = {
  ok: { mark: '✔', colour: 'green' },
  warn: { mark: '!', colour: 'yellow' },
  fail: { mark: '✖', colour: 'red' },
  skip: { mark: '-', colour: 'gray' },
};

/** Runs the checks in order; those that need the daemon are skipped, saying why, when it does not answer. */
async function runChecks(globals: GlobalOptions, stateDirGiven: boolean): Promise<CheckResult[]> {
  // The two checks that run other programs go on meanwhile.
  const chromium = chromiumCheck();
  const runtime = await Promise.all([nodeVersionCheck(), npmVersionCheck(), sqliteCheck(), quicNativeCheck()]);
  const { target, result: configResult } = resolveDoctorTarget(globals, stateDirGiven);
  if (!target) return [...runtime, configResult, await chromium];
  const { config } = target;
  const http = await probeHttp(target.url);
  const notReachable = 'palyrad does not answer over HTTP (see daemon:http)';
  const [grpc, quic, credential] = http.reachable
    ? await Promise.all([grpcCheck(target.grpc), quicCheck(target), credentialCheck(globals, target)])
    : [check('daemon:grpc', 'skip', notReachable), check('daemon:quic', 'skip', notReachable), check('credential', 'skip', notReachable)];
  const ports = await Promise.all([
    portCheck({ listener: 'http', protocol: 'tcp', host: config.http.host, port: config.http.port, servedByDaemon: http.reachable }),
    portCheck({ listener: 'grpc', protocol: 'tcp', host: config.grpc.host, port: config.grpc.port, servedByDaemon: grpc.status === 'ok' }),
    portCheck({ listener: 'quic', protocol: 'udp', host: config.quic.host, port: config.quic.port, servedByDaemon: quic.status === 'ok' }),
  ]);
  return [
    ...runtime,
    configResult,
    stateDirCheck(config),
    adminTokenFileCheck(config),
    ...ports,
    http.result,
    grpc,
    quic,
    credential,
    tlsCertificateCheck(config),
    daemonCaCheck(config),
    http.reachable ? clockCheck(http.clock) : check('clock', 'skip', notReachable),
    await chromium,
  ];
}

function tally(checks: readonly CheckResult[]): Record<CheckStatus, number> {
  const counts: Record<CheckStatus, number> = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const item of checks) counts[item.status] += 1;
  return counts;
}

/** One aligned line per check (mark, name, summary), its fix indented below, then the tally. */
function renderHuman(checks: readonly CheckResult[], counts: Record<CheckStatus, number>): string {
  const width = Math.max(...checks.map((item) => item.name.length));
  const lines = checks.flatMap((item) => {
    const { mark, colour } = MARKS[item.status];
    const line = `${paint(process.stdout, colour, mark)} ${item.name.padEnd(width)}  ${item.summary}`;
    return item.fix ? [line, `  ${' '.repeat(width)}  ${paint(process.stdout, 'cyan', 'fix:')} ${item.fix}`] : [line];
  });
  const summary = `${counts.ok} ok, ${counts.warn} warn, ${counts.fail} fail, ${counts.skip} skipped`;
  return [...lines, '', paint(process.stdout, counts.fail > 0 ? 'red' : counts.warn > 0 ? 'yellow' : 'green', summary)].join('\n');
}

export function registerDoctorCommand(program: Command): void {
  program.command('doctor').action(async (_options: unknown, command: Command) => {
    const globals = readGlobalOptions(command);
    const stateDirGiven = ['cli', 'env'].includes(program.getOptionValueSource('stateDir') ?? '');
    const checks = await runChecks(globals, stateDirGiven);
    const counts = tally(checks);
    createOutput({ json: globals.json }).result({ checks, ...counts }, renderHuman(checks, counts));
    if (counts.fail > 0) process.exitCode = EXIT_CODES.failure;
  });
}
