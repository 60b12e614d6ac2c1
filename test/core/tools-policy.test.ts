// ToolPolicy: one row per rule, first match wins; and the approval subject id.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createBuiltinTools } from '../../src/core/tools/builtin/index.js';
import { type ToolDecision, ToolPolicy, type ToolPolicyConfig, toolSubjectId } from '../../src/core/tools/policy.js';
import { ToolRegistry } from '../../src/core/tools/registry.js';
import type { Tool } from '../../src/core/tools/tool.js';

function tool(name: string, readOnly: boolean, alwaysAsk: boolean): Tool {
  return {
    name,
    description: name,
    inputSchema: { type: 'object' },
    readOnly,
    alwaysAsk,
    timeoutMs: 1_000,
    execute: async () => ({ success: true, output: null }),
  };
}

const registry = new ToolRegistry();
registry.register(tool('t.reader', true, false));
registry.register(tool('t.writer', false, false));
registry.register(tool('t.asker', false, true));
registry.register(tool('t.reader_asker', true, true));

describe('ToolPolicy.decide', () => {
  const none: ToolPolicyConfig = { allow: [], deny: [] };
  const rows: Array<[string, string, ToolPolicyConfig, ToolDecision]> = [
    ['unknown tool', 't.missing', none, { decision: 'deny', reason: 'unknown_tool' }],
    ['unknown tool even when listed in allow', 't.missing', { allow: ['t.missing'], deny: [] }, { decision: 'deny', reason: 'unknown_tool' }],
    ['tool listed in deny', 't.reader', { allow: [], deny: ['t.reader'] }, { decision: 'deny', reason: 'denied_by_config' }],
    ['tool listed in both deny and allow', 't.writer', { allow: ['t.writer'], deny: ['t.writer'] }, { decision: 'deny', reason: 'denied_by_config' }],
    ['alwaysAsk tool', 't.asker', none, { decision: 'ask', reason: 'always_ask' }],
    ['alwaysAsk tool listed in allow', 't.asker', { allow: ['t.asker'], deny: [] }, { decision: 'ask', reason: 'always_ask' }],
    ['alwaysAsk tool that is read-only', 't.reader_asker', none, { decision: 'ask', reason: 'always_ask' }],
    ['alwaysAsk tool listed in deny', 't.asker', { allow: [], deny: ['t.asker'] }, { decision: 'deny', reason: 'denied_by_config' }],
    ['tool with side effects listed in allow', 't.writer', { allow: ['t.writer'], deny: [] }, { decision: 'allow', reason: 'allowed_by_config' }],
    ['read-only tool', 't.reader', none, { decision: 'allow', reason: 'read_only' }],
    ['tool with side effects', 't.writer', none, { decision: 'ask', reason: 'side_effects' }],
  ];
  for (const [name, toolName, config, expected] of rows) {
    test(`${name} → ${expected.decision} (${expected.reason})`, () => {
      assert.deepEqual(new ToolPolicy(registry, config).decide(toolName), expected);
    });
  }

  test('no config → the defaults of the table', () => {
    const policy = new ToolPolicy(registry);
    assert.equal(policy.decide('t.reader').decision, 'allow');
    assert.equal(policy.decide('t.writer').decision, 'ask');
  });

  test('a tool registered after the policy was built is known to it', () => {
    const late = new ToolRegistry();
    const policy = new ToolPolicy(late);
    assert.equal(policy.decide('t.late').reason, 'unknown_tool');
    late.register(tool('t.late', true, false));
    assert.deepEqual(policy.decide('t.late'), { decision: 'allow', reason: 'read_only' });
  });
});

describe('ToolPolicy with the built-in tools', () => {
  const builtins = new ToolRegistry();
  for (const builtin of createBuiltinTools({
    httpFetch: { allowPrivateNetworks: false, allowedHosts: [], maxBytes: 1024 * 1024 },
    process: { allowedCommands: [] },
  })) {
    builtins.register(builtin);
  }
  const rows: Array<[string, ToolPolicyConfig, ToolDecision]> = [
    ['palyra.echo', { allow: [], deny: [] }, { decision: 'allow', reason: 'read_only' }],
    ['palyra.sleep', { allow: [], deny: [] }, { decision: 'allow', reason: 'read_only' }],
    ['palyra.http.fetch', { allow: [], deny: [] }, { decision: 'ask', reason: 'side_effects' }],
    ['palyra.http.fetch', { allow: ['palyra.http.fetch'], deny: [] }, { decision: 'allow', reason: 'allowed_by_config' }],
    ['palyra.process.run', { allow: ['palyra.process.run'], deny: [] }, { decision: 'ask', reason: 'always_ask' }],
  ];
  for (const [name, config, expected] of rows) {
    test(`${name}${config.allow.length > 0 ? ' listed in allow' : ''} → ${expected.decision} (${expected.reason})`, () => {
      assert.deepEqual(new ToolPolicy(builtins, config).decide(name), expected);
    });
  }
});

describe('toolSubjectId', () => {
  test('tool name → tool:<name>', () => assert.equal(toolSubjectId('palyra.process.run'), 'tool:palyra.process.run'));
});
