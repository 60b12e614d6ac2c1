// HTTP wire shapes of browser sessions and their action logs.
import Type from 'typebox';
import type { BrowserSessionRecord } from '../../../core/browser/browser-sessions.js';
import { nullable } from './common.js';

export const BrowserSessionWire = Type.Object({
  session_id: Type.String(),
  principal: Type.String(),
  chat_session_id: nullable(Type.String()),
  run_id: nullable(Type.String()),
  state: Type.Enum(['open', 'closed', 'lost']),
  current_url: nullable(Type.String()),
  latest_screenshot_id: nullable(Type.String()),
  created_at_unix_ms: Type.Integer(),
  action_count: Type.Integer(),
});

export const BrowserSessionListWire = Type.Object({ sessions: Type.Array(BrowserSessionWire) });

export const BrowserActionLogWire = Type.Object({
  session_id: Type.String(),
  actions: Type.Array(
    Type.Object({
      at_unix_ms: Type.Integer(),
      action: Type.String(),
      target: Type.String(),
      success: Type.Boolean(),
      error: Type.String(),
      artifact_id: nullable(Type.String()),
    }),
  ),
});

export function browserSessionToWire(record: BrowserSessionRecord) {
  return {
    session_id: record.browserSessionId,
    principal: record.principal,
    chat_session_id: record.chatSessionId,
    run_id: record.runId,
    state: record.state,
    current_url: record.currentUrl,
    latest_screenshot_id: record.latestScreenshotId,
    created_at_unix_ms: record.createdAtMs,
    action_count: record.actions.length,
  };
}

export function actionLogToWire(record: BrowserSessionRecord) {
  return {
    session_id: record.browserSessionId,
    actions: record.actions.map((entry) => ({ at_unix_ms: entry.at_ms, action: entry.action, target: entry.target, success: entry.success, error: entry.error, artifact_id: entry.artifact_id })),
  };
}
