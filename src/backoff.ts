/** A pause before trying again that doubles with each failure, from `minMs` up to `maxMs`, and starts over after a success. */
export class Backoff {
  private ms: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.ms = minMs;
  }

  /** The pause before the next attempt; the one after it is twice as long, up to `maxMs`. */
  next(): number {
    const ms = this.ms;
    this.ms = Math.min(ms * 2, this.maxMs);
    return ms;
  }

  /** The next pause is `minMs` again. */
  reset(): void {
    this.ms = this.minMs;
  }
}
