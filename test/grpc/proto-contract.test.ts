// Contract checks on proto/ (packages, reserved ranges, `v`) and a grpc-js round trip through the generated code.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { RunStreamEvent, StreamStatus_StatusKind } from '../../src/gen/palyra/common/v1/common.js';
import {
  GatewayServiceClient,
  GatewayServiceService,
  type GatewayServiceServer,
  GetHealthRequest,
} from '../../src/gen/palyra/gateway/v1/gateway.js';

const PROTO_ROOT = path.resolve(import.meta.dirname, '../../proto/palyra');
const AREAS = ['common', 'gateway', 'auth', 'node', 'browser', 'canvas'];
const RUN_ID = '01J9ZQ4V7W8X9Y0Z1A2B3C4D5E';

interface ProtoFile {
  area: string;
  text: string;
}

function readProtoFiles(): ProtoFile[] {
  return fs
    .readdirSync(PROTO_ROOT)
    .sort()
    .map((area) => {
      const dir = path.join(PROTO_ROOT, area, 'v1');
      const files = fs.readdirSync(dir).filter((name) => name.endsWith('.proto'));
      assert.deepEqual(files, [`${area}.proto`], `proto/palyra/${area}/v1 holds exactly ${area}.proto`);
      return { area, text: stripComments(fs.readFileSync(path.join(dir, `${area}.proto`), 'utf8')) };
    });
}

function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/[^\n]*/g, '');
}

/** Top-level statements of every message (nested blocks removed), keyed by message name. */
function messageBodies(text: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const opener = /\bmessage\s+(\w+)\s*\{/g;
  for (let match = opener.exec(text); match; match = opener.exec(text)) {
    let depth = 1;
    let body = '';
    let i = match.index + match[0].length;
    for (; i < text.length && depth > 0; i++) {
      const ch = text[i];
      if (ch === '{') depth++;
      else if (ch === '}') depth--;
      else if (depth === 1) body += ch;
    }
    bodies.set(match[1] ?? '', body);
  }
  return bodies;
}

/** Names of every RPC's request and response type, and the XxxRequest/XxxResponse names of every RPC. */
function rpcMessageNames(text: string): string[] {
  const rpc = /\brpc\s+(\w+)\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)\s*returns\s*\(\s*(?:stream\s+)?([\w.]+)\s*\)/g;
  return [...text.matchAll(rpc)].flatMap(([, method, input, output]) => [
    `${method}Request`,
    `${method}Response`,
    (input ?? '').split('.').pop() ?? '',
    (output ?? '').split('.').pop() ?? '',
  ]);
}

describe('proto files', () => {
  const files = readProtoFiles();
  const rpcNames = new Set(files.flatMap((file) => rpcMessageNames(file.text)));

  it('proto tree → one file per expected area', () => {
    assert.deepEqual(files.map((f) => f.area).sort(), [...AREAS].sort());
  });

  for (const { area, text } of files) {
    it(`${area}.proto → declares package palyra.${area}.v1 and has a reserved statement`, () => {
      assert.match(text, new RegExp(`^package palyra\\.${area}\\.v1;$`, 'm'));
      assert.match(text, /^\s*reserved\s+[^;]+;/m);
    });

    it(`${area}.proto → every request and response message has uint32 v = 1`, () => {
      const bodies = messageBodies(text);
      const checked = [...bodies.keys()].filter((name) => rpcNames.has(name));
      assert.ok(checked.length > 0, 'the file defines RPC messages');
      for (const name of checked) {
        assert.match(bodies.get(name) ?? '', /^\s*uint32\s+v\s*=\s*1\s*;/m, `${name} has uint32 v = 1`);
      }
    });
  }
});

describe('generated gateway code over grpc-js', () => {
  it('GetHealth served from the generated definition → generated client decodes every field', async (t) => {
    const received: GetHealthRequest[] = [];
    const impl: Pick<GatewayServiceServer, 'getHealth'> = {
      getHealth: (call, callback) => {
        received.push(call.request);
        callback(null, {
          v: 1,
          service: 'palyrad',
          status: 'ok',
          version: '0.1.0',
          gitHash: 'abc1234',
          buildProfile: 'test',
          uptimeSeconds: 42,
        });
      },
    };
    const server = new grpc.Server();
    server.addService(GatewayServiceService, impl);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    const client = new GatewayServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    t.after(() => {
      client.close();
      server.forceShutdown();
    });

    const response = await new Promise((resolve, reject) => {
      client.getHealth(
        GetHealthRequest.create({ v: 1 }),
        new grpc.Metadata(),
        { deadline: Date.now() + 5_000 },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
    });

    assert.deepEqual(response, {
      v: 1,
      service: 'palyrad',
      status: 'ok',
      version: '0.1.0',
      gitHash: 'abc1234',
      buildProfile: 'test',
      uptimeSeconds: 42,
    });
    assert.deepEqual(received, [{ v: 1 }]);
  });

  it('WatchRun streamed from the generated definition → client reads events in seq order', async (t) => {
    const impl: Pick<GatewayServiceServer, 'watchRun'> = {
      watchRun: (call) => {
        const from = call.request.afterSeq + 1;
        for (let seq = from; seq < 3; seq++) {
          call.write(RunStreamEvent.create({ v: 1, runId: { ulid: RUN_ID }, seq }));
        }
        call.end();
      },
    };
    const server = new grpc.Server();
    server.addService(GatewayServiceService, impl);
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      );
    });
    const client = new GatewayServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    t.after(() => {
      client.close();
      server.forceShutdown();
    });

    const stream = client.watchRun({ v: 1, runId: { ulid: RUN_ID }, afterSeq: -1 }, { deadline: Date.now() + 5_000 });
    const seqs: number[] = [];
    for await (const event of stream as AsyncIterable<RunStreamEvent>) seqs.push(event.seq);

    assert.deepEqual(seqs, [0, 1, 2]);
  });
});

describe('RunStreamEvent.seq', () => {
  it('event with seq and a status body → round-trips and seq is wire field 15', () => {
    const event = RunStreamEvent.create({
      v: 1,
      runId: { ulid: RUN_ID },
      seq: 2 ** 40 + 5,
      body: { $case: 'status', value: { kind: StreamStatus_StatusKind.STATUS_KIND_DONE, message: 'completed' } },
    });

    const bytes = RunStreamEvent.encode(event).finish();

    assert.deepEqual(RunStreamEvent.decode(bytes), event);
    const reader = new BinaryReader(bytes);
    const fields = new Map<number, unknown>();
    while (reader.pos < reader.len) {
      const [fieldNo, wireType] = reader.tag();
      fields.set(fieldNo, fieldNo === 15 ? reader.uint64() : reader.skip(wireType));
    }
    assert.equal(fields.get(15), BigInt(2 ** 40 + 5));
    assert.deepEqual([...fields.keys()].sort((a, b) => a - b), [1, 2, 7, 15]);
  });

  it('event without seq → decodes as seq 0', () => {
    const bytes = RunStreamEvent.encode(RunStreamEvent.create({ v: 1 })).finish();

    assert.equal(RunStreamEvent.decode(bytes).seq, 0);
  });
});
