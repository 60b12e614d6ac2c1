// SseParser: frames split across chunks, ids, comments, multi-line data and retry.
import { describe, expect, it } from 'vitest';
import { SseParser } from './sse-parser';

describe('SseParser', () => {
  it('a frame split over chunks → one frame once its blank line arrives', () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nevent: model_tok')).toEqual([]);
    expect(parser.push('en\ndata: {"a":1}\n')).toEqual([]);
    expect(parser.push('\n')).toEqual([{ id: '7', event: 'model_token', data: '{"a":1}' }]);
  });

  it('comments and retry lines → no frame; retry remembered', () => {
    const parser = new SseParser();
    expect(parser.push(': keep-alive\n\nretry: 2000\n\n')).toEqual([]);
    expect(parser.retryMs).toBe(2000);
  });

  it('two data lines and CRLF endings → data joined by a newline, event defaults to message', () => {
    const parser = new SseParser();
    expect(parser.push('data: a\r\ndata: b\r\n\r\n')).toEqual([{ id: null, event: 'message', data: 'a\nb' }]);
  });
});
