// ToolRegistry: registration rules, the specs offered to the model, and input validation issues.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Type from 'typebox';
import { isCoreError } from '../../src/core/errors.js';
import { MAX_TOOL_INPUT_BYTES, ToolRegistry } from '../../src/core/tools/registry.js';
import type { Tool } from '../../src/core/tools/tool.js';

function sampleTool(overrides: Partial<Tool> = {}): Tool {
  return {
    name: 'test.sample',
    description: 'A tool with every schema feature the built-ins use.',
    inputSchema: {
      ...Type.Object(
        {
          text: Type.String({ maxLength: 5 }),
          count: Type.Optional(Type.Integer({ minimum: 1, maximum: 3 })),
          ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
          flag: Type.Optional(Type.Boolean()),
          mode: Type.Optional(Type.Enum(['a', 'b'])),
          tags: Type.Optional(Type.Array(Type.String(), { maxItems: 2 })),
          meta: Type.Optional(Type.Object({ 'odd/key': Type.Optional(Type.String()) }, { additionalProperties: false })),
          headers: Type.Optional(Type.Object({}, { additionalProperties: Type.String() })),
        },
        { additionalProperties: false },
      ),
    },
    readOnly: true,
    alwaysAsk: false,
    timeoutMs: 1_000,
    execute: async (input) => ({ success: true, output: input }),
    ...overrides,
  };
}

function registryWithSample(): ToolRegistry {
  const registry = new ToolRegistry();
  registry.register(sampleTool());
  return registry;
}

describe('ToolRegistry.register', () => {
  test('a second tool with the same name → already_exists', () => {
    const registry = registryWithSample();
    assert.throws(() => registry.register(sampleTool()), (error) => isCoreError(error, 'already_exists'));
  });

  const badNames = ['', 'Upper.case', 'trailing.', 'space name', `a${'b'.repeat(64)}`, 'a..b'];
  for (const name of badNames) {
    test(`name ${JSON.stringify(name.slice(0, 12))} → invalid_argument`, () => {
      assert.throws(() => new ToolRegistry().register(sampleTool({ name })), (error) => isCoreError(error, 'invalid_argument'));
    });
  }

  test('schema whose type is not object → invalid_argument', () => {
    assert.throws(
      () => new ToolRegistry().register(sampleTool({ inputSchema: { type: 'string' } })),
      (error) => isCoreError(error, 'invalid_argument'),
    );
  });

  test('non-positive timeoutMs → invalid_argument', () => {
    assert.throws(() => new ToolRegistry().register(sampleTool({ timeoutMs: 0 })), (error) => isCoreError(error, 'invalid_argument'));
  });
});

describe('ToolRegistry lookups', () => {
  test('get, list and specs return registered tools in registration order', () => {
    const registry = registryWithSample();
    registry.register(sampleTool({ name: 'test.other', description: 'other' }));
    assert.equal(registry.get('test.sample')?.name, 'test.sample');
    assert.equal(registry.get('test.missing'), undefined);
    assert.deepEqual(registry.list().map((tool) => tool.name), ['test.sample', 'test.other']);
    const specs = registry.specs();
    assert.deepEqual(specs.map((spec) => spec.name), ['test.sample', 'test.other']);
    assert.equal(specs[1]?.description, 'other');
    assert.equal(specs[0]?.inputSchema['type'], 'object');
    assert.deepEqual(specs[0]?.inputSchema['required'], ['text']);
  });

  test('specs are plain JSON, frozen: a caller cannot change what the next turn offers; one list until a tool is added', () => {
    const registry = registryWithSample();
    const first = registry.specs()[0];
    assert.ok(first);
    assert.deepEqual(JSON.parse(JSON.stringify(first.inputSchema)), first.inputSchema);
    assert.throws(() => ((first.inputSchema['properties'] as Record<string, unknown>)['text'] = { type: 'number' }), TypeError);
    assert.throws(() => (((first.inputSchema['properties'] as Record<string, Record<string, unknown>>)['text'] as Record<string, unknown>)['maxLength'] = 9), TypeError);
    assert.deepEqual((registry.specs()[0]?.inputSchema['properties'] as Record<string, unknown>)['text'], { type: 'string', maxLength: 5 });
    assert.equal(registry.specs(), registry.specs());
    registry.register(sampleTool({ name: 'test.later' }));
    assert.deepEqual(registry.specs().map((spec) => spec.name), ['test.sample', 'test.later']);
  });
});

describe('ToolRegistry.validate', () => {
  const registry = registryWithSample();
  const cases: Array<[string, unknown, Array<{ path: string; message: string }>]> = [
    ['valid minimal input', { text: 'hi' }, []],
    ['valid full input', { text: 'hi', count: 2, ratio: 0.5, flag: true, mode: 'a', tags: ['x'], meta: { 'odd/key': 'v' }, headers: { a: 'b' } }, []],
    ['missing required property', {}, [{ path: '/text', message: 'is required' }]],
    ['string where a number is expected', { text: 'hi', ratio: '1' }, [{ path: '/ratio', message: 'must be number' }]],
    ['fraction where an integer is expected', { text: 'hi', count: 1.5 }, [{ path: '/count', message: 'must be integer' }]],
    ['wrong boolean type', { text: 'hi', flag: 'yes' }, [{ path: '/flag', message: 'must be boolean' }]],
    ['string longer than maxLength', { text: 'abcdef' }, [{ path: '/text', message: 'must not have more than 5 characters' }]],
    ['integer below minimum', { text: 'hi', count: 0 }, [{ path: '/count', message: 'must be >= 1' }]],
    ['integer above maximum', { text: 'hi', count: 4 }, [{ path: '/count', message: 'must be <= 3' }]],
    ['value outside enum', { text: 'hi', mode: 'c' }, [{ path: '/mode', message: 'must be equal to one of the allowed values' }]],
    ['array too long and wrong item', { text: 'hi', tags: ['a', 1, 'c'] }, [
      { path: '/tags/1', message: 'must be string' },
      { path: '/tags', message: 'must not have more than 2 items' },
    ]],
    ['unknown top-level property', { text: 'hi', extra: 1 }, [{ path: '/extra', message: 'is not allowed' }]],
    ['unknown nested property with a slash in a sibling name', { text: 'hi', meta: { 'other/key': 'v' } }, [{ path: '/meta/other~1key', message: 'is not allowed' }]],
    ['non-string value in a string map', { text: 'hi', headers: { a: 1 } }, [{ path: '/headers/a', message: 'must be string' }]],
    ['an array instead of an object', [], [{ path: '', message: 'must be object' }]],
    ['the raw text of a non-JSON model reply', { raw: 'call echo' }, [
      { path: '/text', message: 'is required' },
      { path: '/raw', message: 'is not allowed' },
    ]],
  ];
  for (const [name, input, expected] of cases) {
    test(`${name} → ${expected.length === 0 ? 'no issues' : expected.map((issue) => issue.path).join(', ')}`, () => {
      const issues = registry.validate('test.sample', input);
      assert.deepEqual(
        [...issues].sort((a, b) => a.path.localeCompare(b.path)),
        [...expected].sort((a, b) => a.path.localeCompare(b.path)),
      );
    });
  }

  test(`input over ${MAX_TOOL_INPUT_BYTES} bytes of JSON → one size issue`, () => {
    const big = new ToolRegistry();
    big.register(sampleTool({ inputSchema: { type: 'object' } }));
    assert.deepEqual(big.validate('test.sample', { text: 'é'.repeat(MAX_TOOL_INPUT_BYTES / 2) }), [
      { path: '', message: `must not exceed ${MAX_TOOL_INPUT_BYTES} bytes of JSON` },
    ]);
    assert.deepEqual(big.validate('test.sample', { text: 'e'.repeat(MAX_TOOL_INPUT_BYTES / 2) }), []);
  });

  test('input that cannot be serialised → one issue', () => {
    const cyclic: Record<string, unknown> = { text: 'hi' };
    cyclic['self'] = cyclic;
    assert.deepEqual(registry.validate('test.sample', cyclic), [{ path: '', message: 'must be JSON-serialisable' }]);
  });

  test('unknown tool → not_found', () => {
    assert.throws(() => registry.validate('test.missing', {}), (error) => isCoreError(error, 'not_found'));
  });
});
