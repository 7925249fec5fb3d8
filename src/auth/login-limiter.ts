interface Window {
  failures: number;
  resetAt: number;
}

export interface LoginLimits {
  perAccount: number;
  perAddress: number;
  windowMs: number;
}

const MAX_KEYS = 100_000;

/**
 * Failed sign-ins counted per account and per client address in a fixed window. Past either limit, sign-in
 * is refused (429) until the window ends, even with the right password, so guessing cannot continue.
 * Kept in memory per instance: with N instances an attacker gets at most N × the limit, which still ends
 * brute force; the table is bounded so a flood of addresses cannot grow it without end.
 */
export class LoginLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limits: LoginLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until sign-in is allowed again for this account or address, or 0 when it is allowed now. */
  retryAfter(email: string, address: string): number {
    const waits = [this.wait(`a:${email.toLowerCase()}`, this.limits.perAccount), this.wait(`ip:${address}`, this.limits.perAddress)];
    return Math.max(...waits);
  }

  recordFailure(email: string, address: string): void {
    this.bump(`a:${email.toLowerCase()}`);
    this.bump(`ip:${address}`);
  }

  /** A successful sign-in clears the account's failures (not the address's: one good account proves little). */
  recordSuccess(email: string): void {
    this.windows.delete(`a:${email.toLowerCase()}`);
  }

  private wait(key: string, limit: number): number {
    const window = this.windows.get(key);
    if (!window) return 0;
    const now = this.now();
    if (window.resetAt <= now) {
      this.windows.delete(key);
      return 0;
    }
    return window.failures >= limit ? Math.ceil((window.resetAt - now) / 1000) : 0;
  }

  private bump(key: string): void {
    const now = this.now();
    const window = this.windows.get(key);
    if (window && window.resetAt > now) {
      window.failures++;
      return;
    }
    if (this.windows.size >= MAX_KEYS) {
      const oldest = this.windows.keys().next();
      if (!oldest.done) this.windows.delete(oldest.value);
    }
    this.windows.set(key, { failures: 1, resetAt: now + this.limits.windowMs });
  }
}
