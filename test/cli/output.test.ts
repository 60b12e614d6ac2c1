// The CLI output module: JSON vs human rendering, aligned tables, and errors → stderr text and exit codes.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { CoreError } from '../../src/core/errors.js';
import { CliError, createOutput, EXIT_CODES, reportError } from '../../src/cli/output.js';

function capture() {
  const stream = new PassThrough();
  const chunks: string[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  return { stream, text: () => chunks.join('') };
}

describe('createOutput', () => {
  const rows = [
    { id: 'a', status: 'running', turns: 1 },
    { id: 'longer-id', status: 'done', turns: null },
  ];
  const columns = [{ key: 'id' }, { key: 'status' }, { key: 'turns', header: 'TURNS' }];

  test('human table → header and columns aligned with two spaces, missing values as "-"', () => {
    const out = capture();
    createOutput({ json: false, stdout: out.stream }).table(rows, columns);
    assert.equal(out.text(), 'ID         STATUS   TURNS\na          running  1\nlonger-id  done     -\n');
  });

  test('--json table → one JSON array document', () => {
    const out = capture();
    createOutput({ json: true, stdout: out.stream }).table(rows, columns);
    assert.deepEqual(JSON.parse(out.text()), rows);
  });

  test('--json events → one NDJSON line each; notes suppressed', () => {
    const out = capture();
    const err = capture();
    const output = createOutput({ json: true, stdout: out.stream, stderr: err.stream });
    output.event({ seq: 1 }, 'one');
    output.event({ seq: 2 }, 'two');
    output.note('progress');
    assert.deepEqual(out.text().trim().split('\n').map((line) => JSON.parse(line)), [{ seq: 1 }, { seq: 2 }]);
    assert.equal(err.text(), '');
  });

  test('human result of an object without a formatter → aligned key/value lines', () => {
    const out = capture();
    createOutput({ json: false, stdout: out.stream }).result({ version: '1.0', node: 'v20' });
    assert.equal(out.text(), 'version  1.0\nnode     v20\n');
  });
});

describe('reportError', () => {
  test('CoreError unauthenticated → message and token hint on stderr, exit 4', () => {
    const err = capture();
    const code = reportError(new CoreError('unauthenticated', 'missing credential'), { json: false, stderr: err.stream });
    assert.equal(code, EXIT_CODES.unauthenticated);
    assert.match(err.text(), /^palyra: missing credential\nhint: run `palyra login`, pass --token \(or set PALYRA_ADMIN_TOKEN\)/);
  });

  test('connection refused → "cannot reach palyrad", exit 3', () => {
    const err = capture();
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:7142'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 7142 });
    const code = reportError(new TypeError('fetch failed', { cause: refused }), { json: false, stderr: err.stream });
    assert.equal(code, EXIT_CODES.unavailable);
    assert.match(err.text(), /palyra: cannot reach palyrad at 127\.0\.0\.1:7142: connection refused \(nothing listens there\)\nhint: is palyrad running\?/);
  });

  test('--json and a CliError → one JSON error document with its hint and exit code', () => {
    const err = capture();
    const code = reportError(new CliError('no such run', { hint: 'list runs first', exitCode: EXIT_CODES.notFound }), {
      json: true,
      stderr: err.stream,
    });
    assert.equal(code, EXIT_CODES.notFound);
    assert.deepEqual(JSON.parse(err.text()), { error: { code: 'cli_error', message: 'no such run', hint: 'list runs first' } });
  });

  test('unknown error → its message, exit 1', () => {
    const err = capture();
    assert.equal(reportError(new Error('boom'), { json: false, stderr: err.stream }), EXIT_CODES.failure);
    assert.equal(err.text(), 'palyra: boom\n');
  });
});
