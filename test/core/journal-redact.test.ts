// Redaction of journal payloads: secret keys, secret-looking strings, JSON inside strings, raw text.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCoreError } from '../../src/core/errors.js';
import { isSecretKey, redactPayload, redactRawPayload } from '../../src/core/journal/redact.js';

const parsed = (value: unknown): unknown => JSON.parse(redactPayload(value).json);

describe('isSecretKey', () => {
  const cases: Array<[string, boolean]> = [
    ['password', true],
    ['db_passwd', true],
    ['clientSecret', true],
    ['access_token', true],
    ['API_KEY', true],
    ['apiKey', true],
    ['api-key', true],
    ['privateKey', true],
    ['private_key', true],
    ['Authorization', true],
    ['set_cookie', true],
    ['credentials', true],
    ['zk_proof', true],
    ['signature', true],
    ['pin', true],
    ['userPin', true],
    ['pin_code', true],
    ['PINCODE', true],
    ['tokenizer', true],
    ['spinner', false],
    ['pinned', false],
    ['shipping', false],
    ['name', false],
    ['apikeys_count_label', true],
    ['key', false],
    ['public_key', false],
  ];
  for (const [key, expected] of cases) {
    test(`${key} → ${expected ? 'secret' : 'not secret'}`, () => assert.equal(isSecretKey(key), expected));
  }
});

describe('redactPayload', () => {
  test('secret keys at any depth → value replaced, siblings kept', () => {
    const result = redactPayload({ user: 'ana', auth: { password: 'hunter2', nested: [{ apiKey: 'k1', ok: 1 }] } });
    assert.equal(result.redacted, true);
    assert.deepEqual(JSON.parse(result.json), {
      user: 'ana',
      auth: { password: '<redacted>', nested: [{ apiKey: '<redacted>', ok: 1 }] },
    });
  });

  test('secret key holding an object or number → whole value replaced', () => {
    assert.deepEqual(parsed({ credentials: { user: 'a', pass: 'b' }, pin: 1234 }), {
      credentials: '<redacted>',
      pin: '<redacted>',
    });
  });

  test('numeric model usage counts under *tokens keys → kept', () => {
    assert.deepEqual(parsed({ prompt_tokens: 12, completionTokens: 3, max_tokens: 100, tokens: 'abc' }), {
      prompt_tokens: 12,
      completionTokens: 3,
      max_tokens: 100,
      tokens: '<redacted>',
    });
  });

  test('nothing secret → compact JSON, redacted false, same content', () => {
    const value = { event: 'run.started', n: 1.5, list: [true, null, 'x'], text: 'the tokenizer split it' };
    const result = redactPayload(value);
    assert.equal(result.redacted, false);
    assert.equal(result.json, JSON.stringify(value));
  });

  const secretStrings = [
    'Bearer abc.def',
    'header was bearer xyz',
    'sk-live-1234',
    '  SK-abc',
    'https://x.test/cb?api_key=1',
    'client secret=abc',
    'https://x.test/?access_token=abc',
    'refresh_token rotated',
    'Set-Cookie: sid=1',
    'Cookie: sid=1',
  ];
  for (const text of secretStrings) {
    test(`secret-looking string ${JSON.stringify(text)} → replaced`, () => {
      assert.deepEqual(parsed({ note: text }), { note: '<redacted>' });
    });
  }

  const ordinaryStrings = ['tokenizer', 'the token was valid', 'skip-list', 'ask-me', 'secrets manager docs', 'cookies'];
  for (const text of ordinaryStrings) {
    test(`ordinary string ${JSON.stringify(text)} → kept`, () => {
      assert.deepEqual(redactPayload({ note: text }), { json: JSON.stringify({ note: text }), redacted: false });
    });
  }

  test('JSON object inside a string → redacted inside and re-serialised compactly', () => {
    const inner = JSON.stringify({ token: 'abc', path: '/tmp' }, null, 2);
    const result = redactPayload({ input_json: inner });
    assert.equal(result.redacted, true);
    const outer = JSON.parse(result.json) as { input_json: string };
    assert.equal(outer.input_json, '{"token":"<redacted>","path":"/tmp"}');
  });

  test('JSON inside a string without secrets → string kept byte for byte', () => {
    const inner = '{ "path": "/tmp" }';
    assert.deepEqual(parsed({ input_json: inner }), { input_json: inner });
  });

  test('JSON string nested in a JSON string → redacted at the inner level', () => {
    const inner = JSON.stringify({ args: JSON.stringify({ secret: 's' }) });
    const outer = parsed({ raw: inner }) as { raw: string };
    assert.deepEqual(JSON.parse((JSON.parse(outer.raw) as { args: string }).args), { secret: '<redacted>' });
  });

  test('string that starts like JSON but is not → checked as text', () => {
    assert.deepEqual(parsed({ a: '{ not json, Bearer x' }), { a: '<redacted>' });
  });

  test('array at top level and Date values → serialised like JSON.stringify', () => {
    const at = new Date(0);
    assert.equal(redactPayload([1, { at }]).json, JSON.stringify([1, { at }]));
    assert.equal(redactPayload([1, { at }]).redacted, false);
  });

  test('undefined → {}', () => assert.deepEqual(redactPayload(undefined), { json: '{}', redacted: false }));

  const malformed: Array<[string, () => unknown]> = [
    ['a BigInt', () => ({ n: 10n })],
    ['a circular object', () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      return a;
    }],
    ['NaN', () => ({ n: Number.NaN })],
    ['nesting 200 levels deep', () => {
      let v: unknown = 1;
      for (let i = 0; i < 200; i += 1) v = [v];
      return v;
    }],
  ];
  for (const [name, make] of malformed) {
    test(`${name} → invalid_argument`, () => {
      assert.throws(() => redactPayload(make()), (error) => isCoreError(error, 'invalid_argument'));
    });
  }

  test('parsed "__proto__" member holding a secret → kept as a member, secret redacted', () => {
    const value = JSON.parse('{"__proto__":{"token":"t","a":1},"b":2}') as unknown;
    assert.equal(redactPayload(value).json, '{"__proto__":{"token":"<redacted>","a":1},"b":2}');
    const inString = redactPayload({ raw: '{"__proto__":{"password":"p"}}' });
    assert.equal(JSON.parse(inString.json).raw, '{"__proto__":{"password":"<redacted>"}}');
  });

  test('the same object twice (not circular) → accepted', () => {
    const shared = { a: 1 };
    assert.equal(redactPayload({ x: shared, y: shared }).json, '{"x":{"a":1},"y":{"a":1}}');
  });
});

describe('redactRawPayload', () => {
  test('empty → {}', () => assert.deepEqual(redactRawPayload(''), { json: '{}', redacted: false }));

  test('JSON text → parsed, redacted, compact', () => {
    assert.deepEqual(redactRawPayload('{ "a": 1, "password": "x" }'), { json: '{"a":1,"password":"<redacted>"}', redacted: true });
  });

  test('non-JSON text → marker with byte count', () => {
    assert.deepEqual(JSON.parse(redactRawPayload('héllo').json), { redacted: true, reason: 'non_json_payload', bytes: 6 });
  });

  test('non-UTF-8 bytes → binary marker with byte count', () => {
    const result = redactRawPayload(new Uint8Array([0xff, 0xfe, 0x00]));
    assert.equal(result.redacted, true);
    assert.deepEqual(JSON.parse(result.json), { redacted: true, reason: 'binary_or_non_utf8_payload', bytes: 3 });
  });

  test('UTF-8 JSON bytes → parsed', () => {
    assert.deepEqual(redactRawPayload(new TextEncoder().encode('[1,"Bearer t"]')), { json: '[1,"<redacted>"]', redacted: true });
  });
});
