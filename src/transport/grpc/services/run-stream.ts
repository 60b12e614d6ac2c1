// GatewayService.RunStream: opens a run from the first message, streams its events, reads turns and approvals.
import type { CallContext } from '../../../core/context.js';
import { CoreError, isCoreError, toCoreError } from '../../../core/errors.js';
import type { Core, RunHandle } from '../../../core/index.js';
import type { RunStreamEvent, RunStreamRequest } from '../../../gen/palyra/common/v1/common.js';
import type { MessageSource, Send } from '../handler.js';
import { parseFollowUp, parseOpenRequest, type RunStreamOpen, runEventToProto } from '../convert/runs.js';

const CANCEL_COMMANDS = new Set(['/cancel', 'cancel']);

/**
 * One RunStream call. Errors before the run is accepted end the call with no events. Afterwards a
 * protocol violation fails the run (its FAILED status is streamed) and then ends the call with the
 * violation's code; a cancelled run ends with FAILED "cancelled by request" and OK; the client's
 * half-close completes the run (DONE). A client that goes away leaves the run to finish its queued
 * turns cleanly, as a half-close would; WatchRun re-attaches to it.
 */
export async function runStream(core: Core, source: MessageSource<RunStreamRequest>, ctx: CallContext, send: Send<RunStreamEvent>): Promise<void> {
  const first = await source.next();
  if (first === null) throw new CoreError('invalid_argument', 'RunStream needs a first message that opens the run');
  const open = parseOpenRequest(first);
  const handle = await core.runs.start(ctx, {
    runId: open.runId,
    sessionId: open.sessionId,
    prompt: open.prompt,
    ...(open.sessionKey ? { sessionKey: open.sessionKey } : {}),
    ...(open.sessionLabel ? { sessionLabel: open.sessionLabel } : {}),
    ...(open.requireExisting ? { requireExistingSession: true } : {}),
    ...(open.resetSession ? { resetSession: true } : {}),
  });
  const state: { violation: CoreError | null } = { violation: null };
  const forwarding = new AbortController();
  const stopForwarding = () => forwarding.abort();
  ctx.signal.addEventListener('abort', stopForwarding, { once: true });
  void readFollowUps(source, open, handle, state, ctx.signal);
  try {
    for await (const event of handle.events(-1, forwarding.signal)) await send(runEventToProto(event));
  } finally {
    ctx.signal.removeEventListener('abort', stopForwarding);
  }
  if (ctx.signal.aborted) return;
  const { error } = await handle.finished;
  if (state.violation) throw state.violation;
  if (error && error.code !== 'cancelled') throw error;
}

/** Reads the client's later messages until it half-closes, the call ends or a message breaks the protocol. */
async function readFollowUps(
  source: MessageSource<RunStreamRequest>,
  open: RunStreamOpen,
  handle: RunHandle,
  state: { violation: CoreError | null },
  signal: AbortSignal,
): Promise<void> {
  try {
    for (;;) {
      const request = await source.next();
      if (request === null) return handle.close();
      const followUp = parseFollowUp(request, open);
      if (followUp.answer) await answer(handle, followUp.answer);
      if (followUp.text === undefined) continue;
      if (CANCEL_COMMANDS.has(followUp.text.trim().toLowerCase())) handle.cancel('stream_cancel_command');
      else handle.submit(followUp.text);
    }
  } catch (thrown) {
    if (signal.aborted) return handle.close();
    const error = toCoreError(thrown);
    // Input after the run ended (or was closed) is not a violation worth failing anything for.
    if (isCoreError(error, 'failed_precondition') && error.message.startsWith('the run no longer accepts input')) return;
    state.violation = error;
    handle.fail(error);
  }
}

/**
 * Answers an approval from the stream. An answer for an approval that is no longer pending (another
 * client decided it first, or it timed out) is dropped: the run has already moved on.
 */
async function answer(handle: RunHandle, answer: Parameters<RunHandle['answerApproval']>[0]): Promise<void> {
  try {
    await handle.answerApproval(answer);
  } catch (error) {
    if (isCoreError(error, 'failed_precondition')) return;
    if (isCoreError(error, 'invalid_argument')) {
      // The reference turns a malformed answer to a pending approval into a denial, not a dead stream.
      await handle.answerApproval({ proposalId: answer.proposalId, approved: false, reason: `approval_response_error: ${error.message}` }).catch(() => undefined);
      return;
    }
    throw error;
  }
}
