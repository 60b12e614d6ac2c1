// chartPath: scaled line, gaps for missing samples, a dot for a lone sample.
import { describe, expect, it } from 'vitest';
import { chartPath } from './chart';

describe('chartPath', () => {
  it('values 0, 2, 4 over width 100 → a line from bottom-left to top-right, max 4', () => {
    const { path, max } = chartPath([{ value: 0 }, { value: 2 }, { value: 4 }], 100, 10);
    expect(max).toBe(4);
    expect(path).toBe('M0.0 9.0L50.0 5.0L100.0 1.0');
  });

  it('a null between values → the line breaks; lone points become dots', () => {
    const { path } = chartPath([{ value: 1 }, { value: null }, { value: 1 }], 100, 10);
    expect(path).toBe('M0.0 1.0h0.1M100.0 1.0h0.1');
  });
});
