// createLogger: JSON lines, secrets censored at any of the first three levels, component child loggers.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { componentLogger, createLogger } from '../../src/infra/log.js';

function collect() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { destination, records: () => lines.map((line) => JSON.parse(line) as Record<string, any>) };
}

test('secret fields and headers → written as <redacted>, other fields kept', () => {
  const sink = collect();
  const logger = createLogger({ level: 'info', destination: sink.destination });
  logger.info(
    {
      req: { headers: { authorization: 'Bearer abc', cookie: 'sid=1', host: 'h' } },
      res: { headers: { 'set-cookie': 'sid=2' } },
      token: 't',
      config: { auth: { adminToken: 'a' } },
      model: { apiKey: 'k' },
      user: { password: 'p', secret: 's', name: 'ana' },
    },
    'request',
  );
  const [record] = sink.records();
  assert.deepEqual(record?.req, { headers: { authorization: '<redacted>', cookie: '<redacted>', host: 'h' } });
  assert.deepEqual(record?.res, { headers: { 'set-cookie': '<redacted>' } });
  assert.equal(record?.token, '<redacted>');
  assert.deepEqual(record?.config, { auth: { adminToken: '<redacted>' } });
  assert.deepEqual(record?.model, { apiKey: '<redacted>' });
  assert.deepEqual(record?.user, { password: '<redacted>', secret: '<redacted>', name: 'ana' });
  assert.equal(record?.msg, 'request');
});

test('component child logger at level info → lines carry the component; debug dropped', () => {
  const sink = collect();
  const http = componentLogger(createLogger({ level: 'info', destination: sink.destination }), 'http');
  http.debug('hidden');
  http.warn({ port: 7142 }, 'slow');
  const records = sink.records();
  assert.equal(records.length, 1);
  assert.equal(records[0]?.component, 'http');
  assert.equal(records[0]?.level, 40);
  assert.equal(records[0]?.port, 7142);
});
