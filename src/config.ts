import { z } from 'zod';

/**
 * Every environment variable the service reads, parsed once at start. `loadConfig` reports all problems at
 * once so an operator fixes a bad deployment in one pass instead of one variable per restart.
 */
const intIn = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

// The widget puts the asset's URL-encoded id where `{id}` stands; only http(s), so a link can never run script.
const isHttpUrl = (text: string) => {
  try {
    return ['http:', 'https:'].includes(new URL(text.replaceAll('{id}', 'id')).protocol);
  } catch {
    return false;
  }
};
const linkTemplate = z
  .string()
  .refine((s) => s.includes('{id}'), { message: 'must contain {id}', abort: true })
  .refine(isHttpUrl, 'must be an http:// or https:// URL');

const BYTE_SIZE = /^(\d+)(b|kb|mb)$/i;
const BYTE_UNITS = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;

function parseByteSize(text: string): number {
  const [, amount, unit] = BYTE_SIZE.exec(text)!;
  return Number(amount) * BYTE_UNITS[unit!.toLowerCase() as keyof typeof BYTE_UNITS];
}

/** Accepted NODE_ENV values; an embedded database is refused under `staging` and `production`. */
const NODE_ENVS = ['development', 'test', 'staging', 'production'] as const;

const schema = z.object({
  // Read for one thing only: where the embedded PostgreSQL may run (development and test; see resolve-database.ts).
  NODE_ENV: z.enum(NODE_ENVS).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: intIn(1, 65535).default(54329),
  PORT: intIn(0, 65535).default(3000),
  // Loopback unless told otherwise: a quick start must not be reachable from the network by accident.
  HOST: z.string().min(1).default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ASSET_CACHE_TTL: intIn(0, 31_536_000).default(0),
  CACHE_LOOKUP_TIMEOUT_MS: intIn(1, 10_000).default(100),
  CACHE_CALL_TIMEOUT_MS: intIn(10, 60_000).default(5_000),
  CACHE_WARM_TIMEOUT_MS: intIn(100, 600_000).default(60_000),
  CACHE_MAX_CONCURRENT_BUILDS: intIn(0, 1_000).default(2),
  CACHE_BUILD_JITTER_MS: intIn(0, 600_000).default(3_000),
  CACHE_BUILD_THREAD: flag.default(true),
  CACHE_SLOW_LOOKUP_MS: intIn(1, 10_000).default(10),
  CACHE_WORKER_MAX_HEAP_MB: intIn(0, 65_536).default(512),
  CACHE_FEED_HEARTBEAT_MS: intIn(100, 600_000).default(2_000),
  CACHE_FEED_HEARTBEAT_TIMEOUT_MS: intIn(100, 600_000).default(3_000),
  CACHE_FEED_RETRY_MS: intIn(200, 600_000).default(5_000),
  // auto: the WAL relay where the server allows logical decoding, else the trigger feed; wal refuses to start without it.
  CACHE_FEED: z.enum(['auto', 'wal', 'notify']).default('auto'),
  CACHE_AUDIT_PER_MINUTE: intIn(0, 6_000).default(20),
  CACHE_TICKETS: flag.default(true),
  CACHE_GRACE_SECONDS: intIn(0, 604_800).default(3_600),
  /** Unset: CACHE_GRACE_SECONDS. How long into a database outage known credentials still pass. */
  AUTH_OUTAGE_GRACE_SECONDS: intIn(0, 604_800).optional(),
  BENCH_ROUTES: flag.default(false),
  WIDGET_STREAMS_MAX: intIn(0, 100_000).default(2_000),
  WIDGET_STREAM_HEARTBEAT_MS: intIn(100, 600_000).default(25_000),
  CORS_ORIGINS: z
    .string()
    .transform((v) => v.split(',').map((o) => o.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'each origin must look like https://host[:port]')))
    .default([]),
  PG_POOL_MAX: intIn(1, 200).default(10),
  PG_STATEMENT_TIMEOUT_MS: intIn(100, 600_000).default(5_000),
  PG_CONNECT_TIMEOUT_MS: intIn(100, 60_000).default(3_000),
  AUTH_CACHE_TTL: intIn(0, 3_600).default(30),
  SESSION_TTL_HOURS: intIn(1, 24 * 90).default(12),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: intIn(1, 10_000).default(5),
  LOGIN_MAX_FAILURES_PER_ADDRESS: intIn(1, 100_000).default(30),
  LOGIN_WINDOW_SECONDS: intIn(1, 86_400).default(900),
  COOKIE_SECURE: flag.default(false),
  TRUST_PROXY: flag.default(false),
  REQUIRE_IF_MATCH: flag.default(false),
  /** Bytes, written like `1mb`, `512kb` or `1000b`. */
  BODY_LIMIT: z
    .string()
    .regex(BYTE_SIZE, 'must look like 1mb, 512kb or 1000b')
    .default('1mb')
    .transform(parseByteSize),
  // Deliberate socket bounds: without them a slow client holds a socket for Node's 300 s request timeout.
  HTTP_REQUEST_TIMEOUT_MS: intIn(1_000, 600_000).default(30_000),
  HTTP_HEADERS_TIMEOUT_MS: intIn(1_000, 600_000).default(10_000),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: intIn(100, 600_000).default(5_000),
  SHUTDOWN_TIMEOUT_MS: intIn(100, 120_000).default(10_000),
  SHUTDOWN_GRACE_MS: intIn(0, 60_000).default(5_500),
  SCREENCONNECT_URL_TEMPLATE: linkTemplate.optional(),
  PDQ_URL_TEMPLATE: linkTemplate.optional(),
}).refine((c) => c.HTTP_HEADERS_TIMEOUT_MS <= c.HTTP_REQUEST_TIMEOUT_MS, {
  message: 'must not exceed HTTP_REQUEST_TIMEOUT_MS',
  path: ['HTTP_HEADERS_TIMEOUT_MS'],
});

export type Config = Readonly<z.infer<typeof schema>>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses `env` (process.env by default); empty strings count as unset, as in most .env tooling. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  return Object.freeze(parsed.data);
}
