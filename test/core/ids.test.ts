// Canonical ids: ULIDs minted from a pooled CSPRNG, unique and in creation order within the process.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isCanonicalId, newId, requireCanonicalId } from '../../src/core/ids.js';

describe('newId', () => {
  test('100,000 ids (more than one random-pool refill) are canonical, unique and strictly increasing', () => {
    const ids = Array.from({ length: 100_000 }, () => newId());
    assert.ok(ids.every((id) => isCanonicalId(id)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 1; i < ids.length; i += 1) assert.ok((ids[i - 1] as string) < (ids[i] as string), `id ${i} sorts after id ${i - 1}`);
  });

  test('the random part is spread over the whole alphabet (not a constant or a short cycle)', async () => {
    const randomParts = new Set<string>();
    const characters = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      // A new millisecond draws fresh randomness instead of incrementing the previous id.
      await new Promise((resolve) => setTimeout(resolve, 1));
      const random = newId().slice(10);
      randomParts.add(random);
      for (const character of random) characters.add(character);
    }
    assert.ok(randomParts.size >= 195, `${randomParts.size} distinct random parts of 200`);
    assert.equal(characters.size, 32, 'all 32 Crockford characters appear');
  });

  test('requireCanonicalId names the field for missing and malformed ids', () => {
    assert.throws(() => requireCanonicalId('', 'run_id'), /run_id is required/);
    assert.throws(() => requireCanonicalId('01arz3ndektsv4rrffq69g5fav', 'run_id'), /run_id must be a canonical ULID/);
    assert.equal(requireCanonicalId('01ARZ3NDEKTSV4RRFFQ69G5FAV', 'run_id'), '01ARZ3NDEKTSV4RRFFQ69G5FAV');
  });
});
