// How `palyra run`, `chat` and `runs watch` show a run to a person: tokens inline on stdout, tools and the summary on stderr.
import type { Writable } from 'node:stream';
import type { RunStreamEvent } from '../../gen/palyra/common/v1/common.js';
import { humanDuration, paint } from '../style.js';

/** How much of a tool input a line shows. */
export const MAX_JSON_CHARS = 160;
const MAX_OUTPUT_CHARS = 400;
const STATUS_ACCEPTED = 1;
const STATUS_DONE = 3;
const STATUS_FAILED = 4;

/** JSON text on one line, cut to `max` characters with a note of how much was left out. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s*\n\s*/g, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max)}… (${flat.length - max} more characters)`;
}

export interface RunRenderer {
  /** Shows one event; returns nothing (approval prompts are the caller's business). */
  show(event: RunStreamEvent): void;
  /** Ends a line of streamed tokens, if one is open (before a prompt or on exit). */
  breakLine(): void;
  /** A line on stderr after ending any open token line. */
  note(text: string): void;
}

/**
 * A renderer writing tokens to `stdout` and everything else to `stderr`, with colour where the stream
 * allows. `announceApprovals` prints pending approvals with the command that decides them (for watchers,
 * who cannot answer in-stream).
 */
export function createRunRenderer(streams: { stdout: Writable; stderr: Writable; announceApprovals?: boolean }): RunRenderer {
  const { stdout, stderr } = streams;
  let lineOpen = false;
  let startedAtMs: number | undefined;
  let tokens = 0;
  let toolCalls = 0;
  const breakLine = () => {
    if (lineOpen) stdout.write('\n');
    lineOpen = false;
  };
  const note = (text: string) => {
    breakLine();
    stderr.write(`${text}\n`);
  };
  return {
    breakLine,
    note,
    show(event) {
      const body = event.body;
      if (!body) return;
      switch (body.$case) {
        case 'modelToken':
          if (body.value.isFinal) return breakLine();
          tokens += 1;
          stdout.write(body.value.token);
          lineOpen = true;
          return;
        case 'toolProposal':
          toolCalls += 1;
          return note(paint(stderr, 'cyan', `→ ${body.value.toolName} ${clip(body.value.inputJson.toString(), MAX_JSON_CHARS)}`));
        case 'toolApprovalRequest': {
          if (!streams.announceApprovals) return;
          const id = body.value.approvalId?.ulid ?? '';
          return note(paint(stderr, 'yellow', `? ${body.value.toolName} waits for approval: palyra approvals decide ${id} allow|deny`));
        }
        case 'toolDecision':
          if (body.value.kind !== 1) note(paint(stderr, 'yellow', `✗ denied: ${body.value.reason || 'no reason given'}`));
          return;
        case 'toolResult':
          return note(
            body.value.success
              ? paint(stderr, 'green', `← ok ${clip(body.value.outputJson.toString(), MAX_OUTPUT_CHARS)}`)
              : paint(stderr, 'red', `← failed: ${body.value.error}`),
          );
        case 'status': {
          const kind = body.value.kind;
          if (kind === STATUS_ACCEPTED || startedAtMs === undefined) {
            // A new run (chat starts one per cancelled or finished run): its own counters.
            startedAtMs = Date.now();
            tokens = 0;
            toolCalls = 0;
          }
          if (kind !== STATUS_DONE && kind !== STATUS_FAILED) return;
          const runId = event.runId?.ulid ?? '';
          const took = humanDuration(Date.now() - startedAtMs);
          const stats = `${tokens} tokens, ${toolCalls} tool call${toolCalls === 1 ? '' : 's'}, ${took}`;
          return note(
            kind === STATUS_DONE
              ? paint(stderr, 'dim', `run ${runId} done (${stats})`)
              : paint(stderr, 'red', `run ${runId} ${body.value.message.startsWith('cancel') ? 'cancelled' : 'failed'}: ${body.value.message} (${stats})`),
          );
        }
        default:
          return;
      }
    },
  };
}
