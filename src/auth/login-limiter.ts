import net from 'node:net';
import type pg from 'pg';
import { loginAttemptsRepository, type RefusedScope } from '../db/repositories/login-attempts';
import { safeError, type Logger } from '../logger';

export interface LoginLimits {
  /** Hard limit per account and address pair; also where the account's slow-down starts. */
  perAccount: number;
  /** Hard limit per address, across accounts. */
  perAddress: number;
  windowMs: number;
}

/** What `reserve` let through: wait `delayMs`, verify the password, then report how it went. */
export interface Reservation {
  ok: true;
  account: string;
  address: string;
  /** Slow-down before verifying: 0 until the account has LOGIN_MAX_FAILURES_PER_ACCOUNT attempts in its window. */
  delayMs: number;
}

export type ReserveResult = Reservation | { ok: false; retryAfterSeconds: number; scope: RefusedScope };

/** First slow-down step once an account is past its limit; it doubles with every further attempt, up to the cap. */
const SLOWDOWN_BASE_MS = 250;
export const SLOWDOWN_MAX_MS = 2_000;
const CLEANUP_INTERVAL_MS = 60_000;

/** The slow-down for the account's `n`-th attempt in its window (this one included). */
export function slowdownMs(n: number, perAccount: number): number {
  if (n <= perAccount) return 0;
  return Math.min(SLOWDOWN_MAX_MS, SLOWDOWN_BASE_MS * 2 ** Math.min(n - perAccount - 1, 16));
}

/**
 * The key an address is counted under. IPv4 (also IPv4-mapped IPv6) as is; IPv6 by its /64, because one
 * host is routinely given a whole /64 and could otherwise take a fresh address for every attempt. Anything
 * else (a proxy that writes `unknown`, or a port) is kept, trimmed to a bounded length.
 */
export function addressKey(ip: string): string {
  let address = ip.trim();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) address = mapped[1]!;
  if (net.isIPv4(address)) return address;
  const bare = address.replace(/^\[(.*)\](:\d+)?$/, '$1').replace(/%.*$/, '');
  if (net.isIPv6(bare)) return `${ipv6Groups(bare).slice(0, 4).join(':')}::/64`;
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(address);
  if (withPort) return withPort[1]!;
  return address.slice(0, 64);
}

function ipv6Groups(address: string): string[] {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -v4[1]!.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16).toString(16));
}

/**
 * Sign-in attempts counted in PostgreSQL, so every instance (PM2 cluster, several hosts) shares one count.
 * An attempt is reserved before its password is verified, in one statement (`awc_login_reserve`), so
 * however many attempts arrive at once, at most the limit are let through to verification:
 *
 * - per account and address pair: at most `perAccount` attempts per window, then 429 until it ends;
 * - per address, across accounts: at most `perAddress` attempts per window, then 429;
 * - per account, across addresses: no refusal. Past `perAccount` attempts every further check waits first
 *   (250 ms, doubling, at most 2 s). Someone else's failures slow a user down but never lock them out.
 *
 * A success gives back its reservation and clears the pair; an attempt that ended in a server error gives
 * back its reservation. Windows start at a key's first attempt; expired rows are deleted every minute.
 */
export class LoginLimiter {
  private cleanup: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    readonly limits: LoginLimits,
    private readonly logger?: Logger,
  ) {}

  async reserve(email: string, ip: string): Promise<ReserveResult> {
    const account = email.toLowerCase();
    const address = addressKey(ip);
    const { perAccount, perAddress } = this.limits;
    const windowSeconds = Math.ceil(this.limits.windowMs / 1000);
    const row = await loginAttemptsRepository.reserve(this.pool, account, address, { perAccount, perAddress, windowSeconds });
    if (row.refused) return { ok: false, scope: row.refused, retryAfterSeconds: row.retryAfterSeconds };
    return { ok: true, account, address, delayMs: slowdownMs(row.accountAttempts ?? 0, perAccount) };
  }

  /**
   * The password was right: the pair's failures are forgiven (the address has shown it knows the password),
   * and the address and account get back the attempt this sign-in took. The account's other failures stay:
   * a user signing in does not reset a slow-down that someone else earned.
   */
  async succeeded(reservation: Reservation): Promise<void> {
    await loginAttemptsRepository.forgivePair(this.pool, reservation.account, reservation.address);
  }

  /** The attempt ended without a verdict on the password (a server error): it does not count. */
  async release(reservation: Reservation): Promise<void> {
    await loginAttemptsRepository.giveBack(this.pool, reservation.account, reservation.address);
  }

  /** Deletes expired windows now and then every minute, on every instance (a DELETE of nothing is cheap). */
  startCleanup(): void {
    const run = () =>
      this.deleteExpired().catch((err: unknown) =>
        this.logger?.warn({ err: safeError(err), event: 'login_limiter.cleanup_failed' }, 'could not delete expired sign-in windows'),
      );
    void run();
    this.cleanup = setInterval(run, CLEANUP_INTERVAL_MS);
    this.cleanup.unref();
  }

  stopCleanup(): void {
    clearInterval(this.cleanup);
    this.cleanup = undefined;
  }

  deleteExpired(): Promise<number> {
    return loginAttemptsRepository.deleteExpired(this.pool);
  }
}
