/**
 * Microseconds since the epoch from an ISO-8601 UTC timestamp with up to six fractional digits. Date.parse
 * keeps only milliseconds, and ordering ties between assets created in the same millisecond need the rest.
 */
export function isoToMicros(iso: string): number {
  const match = /^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?Z$/.exec(iso);
  if (!match) throw new Error(`not an ISO-8601 UTC timestamp: ${iso}`);
  const seconds = Date.parse(`${match[1]}Z`);
  if (Number.isNaN(seconds)) throw new Error(`not an ISO-8601 UTC timestamp: ${iso}`);
  return seconds * 1000 + Number((match[2] ?? '').padEnd(6, '0'));
}
