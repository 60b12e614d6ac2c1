// A small Server-Sent Events reader over fetch, for tests: frames with id, event and data.
export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
}

/** Parses `text/event-stream` chunks into frames (comments and `retry:` lines are skipped). */
export async function* readSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseFrame> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const frame: SseFrame = { data: '' };
      let hasData = false;
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
        else if (field === 'data') {
          frame.data += (hasData ? '\n' : '') + value;
          hasData = true;
        }
      }
      if (hasData) yield frame;
    }
  }
}

/** Reads frames until `stop` says so or the stream ends; returns them. */
export async function collectSse(body: ReadableStream<Uint8Array>, stop: (frame: SseFrame, count: number) => boolean = () => false): Promise<SseFrame[]> {
  const frames: SseFrame[] = [];
  for await (const frame of readSse(body)) {
    frames.push(frame);
    if (stop(frame, frames.length)) break;
  }
  return frames;
}
