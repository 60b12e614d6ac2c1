// Incremental decoder of a server-sent-events text stream into the data payload of each event.
import { CoreError } from '../../core/errors.js';

const KNOWN_FIELDS = new Set(['data', 'event', 'id', 'retry']);

/**
 * Feed it decoded text as it arrives; it returns the `data` of every event completed so far.
 * Follows the WHATWG event-stream rules: lines end in LF or CRLF, a blank line ends an event,
 * several `data:` lines join with `\n`, one space after the colon is dropped, comments (`:`) and
 * the fields `event`, `id`, `retry` are ignored.
 * @throws CoreError `unavailable` for a line that is no SSE field at all (the spec would skip it, but
 *   from a model provider it means the stream is not what we asked for, and silence would hide that).
 */
export class SseDecoder {
  private buffer = '';
  private data: string[] = [];

  /** Adds text; returns the payloads of the events it completed. */
  push(text: string): string[] {
    this.buffer += text;
    const events: string[] = [];
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.buffer.slice(0, newline).replace(/\r$/, '');
      this.buffer = this.buffer.slice(newline + 1);
      this.acceptLine(line, events);
      newline = this.buffer.indexOf('\n');
    }
    return events;
  }

  /** Ends the stream: a last unterminated line and event still count, as servers often omit the final blank line. */
  end(): string[] {
    const events: string[] = [];
    if (this.buffer !== '') this.acceptLine(this.buffer.replace(/\r$/, ''), events);
    this.buffer = '';
    this.acceptLine('', events);
    return events;
  }

  private acceptLine(line: string, events: string[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push(this.data.join('\n'));
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (!KNOWN_FIELDS.has(field)) {
      throw new CoreError('unavailable', `model provider sent a malformed stream line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    if (field !== 'data') return;
    const value = colon < 0 ? '' : line.slice(colon + 1);
    this.data.push(value.startsWith(' ') ? value.slice(1) : value);
  }
}
