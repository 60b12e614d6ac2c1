// OpenTaskChannel: the long-lived bidi stream; the daemon pushes tasks and cancellations, the node sends progress, results and heartbeats.
import type { CallContext } from '../../core/context.js';
import { CoreError, isCoreError } from '../../core/errors.js';
import type { NodeTaskDelivery, TaskSink } from '../../core/nodes/task-queue.js';
import { OpenTaskChannelRequest, OpenTaskChannelResponse } from '../../gen/palyra/node/v1/node.js';
import { authenticatePeer, requireSameDevice } from './auth.js';
import { type Frame, FrameError, PROTOCOL_VERSION } from './codec.js';
import type { FrameWriter } from './frame-writer.js';
import { answerHeartbeat, type NodeRpcCore } from './methods.js';
import type { PeerInfo } from './rpc-stream.js';

/** Decodes an OpenTaskChannelRequest and checks its `v`. @throws FrameError. */
export function decodeChannelRequest(payload: Uint8Array): OpenTaskChannelRequest {
  let request: OpenTaskChannelRequest;
  try {
    request = OpenTaskChannelRequest.decode(payload);
  } catch {
    throw new FrameError('malformed_frame', 'payload is not an OpenTaskChannelRequest');
  }
  if (request.v !== PROTOCOL_VERSION) throw new FrameError('protocol_mismatch', `message version ${request.v} is not supported (expected ${PROTOCOL_VERSION})`);
  return request;
}

function responseFrame(body: OpenTaskChannelResponse['body']): Frame {
  return { kind: 'message', payload: OpenTaskChannelResponse.encode({ v: PROTOCOL_VERSION, body }).finish() };
}

export interface TaskChannelCall {
  core: NodeRpcCore;
  ctx: CallContext;
  peer: PeerInfo;
  firstPayload: Uint8Array;
  frames: AsyncIterator<Frame>;
  writer: FrameWriter;
  /** Ends the call with an error frame (a newer channel superseded this one, or the device was revoked). */
  fail(error: CoreError): void;
}

/**
 * Serves one task channel until the node ends it: the first message must be a hello for the
 * certificate's device; then every update and heartbeat is re-authenticated (revocation and expiry take
 * effect on an open channel) and answered (a heartbeat here costs no stream of its own). A result the core refuses (another device's task, unknown task)
 * is acknowledged with `accepted: false` and the code as reason; the channel stays open.
 */
export async function serveTaskChannel(call: TaskChannelCall): Promise<void> {
  const { core, ctx, peer, writer } = call;
  const hello = decodeChannelRequest(call.firstPayload).body;
  if (hello?.$case !== 'hello') throw new CoreError('invalid_argument', 'the first task channel message must be a hello');
  requireSameDevice(ctx, hello.value.deviceId?.ulid);
  const sink: TaskSink = {
    push(task: NodeTaskDelivery) {
      // A throw leaves the task delivered; the core re-sends it on the next attach.
      if (writer.isClosed) throw new Error('task channel is closed');
      void writer
        .send(
          responseFrame({
            $case: 'task',
            value: {
              taskId: { ulid: task.taskId },
              capability: task.capability,
              inputJson: Buffer.from(task.inputJson, 'utf8'),
              deadlineUnixMs: task.deadlineMs,
              attempt: task.attempt,
              maxOutputBytes: task.maxOutputBytes,
              requestedBy: task.requestedBy,
            },
          }),
        )
        .catch(() => undefined);
    },
    cancel(taskId, reason) {
      if (writer.isClosed) return;
      void writer.send(responseFrame({ $case: 'cancel', value: { taskId: { ulid: taskId }, reason } })).catch(() => undefined);
    },
    close(error) {
      call.fail(error);
    },
  };
  const channel = core.nodes.attach(ctx, sink, { maxConcurrentTasks: hello.value.maxConcurrentTasks || 1 });
  try {
    for (;;) {
      const next = await call.frames.next();
      if (next.done) return;
      if (next.value.kind !== 'message') throw new FrameError('malformed_frame', 'expected a message frame on the task channel');
      const body = decodeChannelRequest(next.value.payload).body;
      if (body?.$case !== 'update' && body?.$case !== 'heartbeat') throw new CoreError('invalid_argument', 'after the hello, the task channel carries only updates and heartbeats');
      const nodeCtx = authenticatePeer(core.devices, peer, { signal: ctx.signal, requestId: ctx.requestId });
      if (body.$case === 'heartbeat') {
        await writer.send(responseFrame({ $case: 'heartbeat', value: answerHeartbeat(core, nodeCtx, body.value) }));
        continue;
      }
      const update = body.value;
      const taskId = update.taskId?.ulid ?? '';
      let ack: { accepted: boolean; reason: string };
      try {
        const inner = update.update;
        if (!inner) throw new CoreError('invalid_argument', 'an update carries exactly one of progress or result');
        ack = await core.nodes.acceptUpdate(
          nodeCtx,
          inner.$case === 'progress'
            ? { taskId, progress: { stage: inner.value.stage, message: inner.value.message, ...(inner.value.detailJson.length > 0 ? { detailJson: inner.value.detailJson.toString('utf8') } : {}) } }
            : { taskId, result: { success: inner.value.success, outputJson: inner.value.outputJson.toString('utf8'), error: inner.value.error } },
        );
      } catch (error) {
        // Only refusals of this update are acknowledged; a revoked device ends the channel.
        if (!isCoreError(error) || (error.code === 'permission_denied' && /revoked|paired/.test(error.message))) throw error;
        ack = { accepted: false, reason: error.code };
      }
      if (update.update?.$case === 'result' || !ack.accepted) {
        await writer.send(responseFrame({ $case: 'ack', value: { taskId: { ulid: taskId }, accepted: ack.accepted, reason: ack.reason } }));
      }
    }
  } finally {
    channel.detach();
  }
}
