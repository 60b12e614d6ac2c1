// The floor for bench/gateway-turn.ts: a bare grpc-js RunStream that, on the first message, makes the same
// streaming chat-completions call with fetch and ends. Run as its own process, as palyrad is; prints its port.
import * as grpc from '@grpc/grpc-js';
import { RunStreamEvent, type RunStreamRequest, StreamStatus_StatusKind } from '../../src/gen/palyra/common/v1/common.js';
import { GatewayServiceService } from '../../src/gen/palyra/gateway/v1/gateway.js';

const modelUrl = process.argv[2];
if (!modelUrl) throw new Error('usage: bare-model-gateway.ts <chat-completions URL>');

async function callModel(text: string): Promise<void> {
  const response = await fetch(modelUrl as string, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ model: 'bench', stream: true, messages: [{ role: 'user', content: text }] }),
  });
  await response.text();
}

const server = new grpc.Server();
server.addService(GatewayServiceService, {
  runStream: (call: grpc.ServerDuplexStream<RunStreamRequest, RunStreamEvent>) => {
    call.once('data', (request: RunStreamRequest) => {
      callModel(request.input?.content?.text ?? '').then(
        () => {
          call.write(RunStreamEvent.fromPartial({ v: 1, runId: request.runId, body: { $case: 'status', value: { kind: StreamStatus_StatusKind.STATUS_KIND_DONE, message: '' } } }));
          call.end();
        },
        (error: unknown) => call.destroy(error as Error),
      );
    });
  },
});
server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) throw error;
  process.stdout.write(`${port}\n`);
});
