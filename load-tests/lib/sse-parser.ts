/** One Server-Sent Event: its `id:` and `data:` lines (the widget streams send one data line per event). */
export interface SseEvent {
  id: string;
  data: string;
}

/**
 * Splits an event stream's text, chunk by chunk, into events (blocks ending in a blank line) and calls
 * `onEvent` for each that carries an id and data; comments (`: keep-alive`) and `retry:` blocks are skipped.
 */
export function sseParser(onEvent: (event: SseEvent) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (id !== undefined && data !== undefined) onEvent({ id, data });
    }
  };
}
