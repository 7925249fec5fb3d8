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

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('.data'),
  EMBEDDED_PG_PORT: intIn(1, 65535).default(54329),
  PORT: intIn(0, 65535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ASSET_CACHE_TTL: intIn(0, 31_536_000).default(0),
  CACHE_LOOKUP_TIMEOUT_MS: intIn(1, 10_000).default(100),
  CACHE_CALL_TIMEOUT_MS: intIn(10, 60_000).default(5_000),
  CACHE_WARM_TIMEOUT_MS: intIn(100, 600_000).default(60_000),
  CACHE_BUILD_BATCH_ROWS: intIn(100, 100_000).default(5_000),
  CACHE_BUILD_THREAD: flag.default(true),
  CACHE_SLOW_LOOKUP_MS: intIn(1, 10_000).default(10),
  CACHE_WORKER_MAX_HEAP_MB: intIn(0, 65_536).default(512),
  CACHE_FEED_HEARTBEAT_MS: intIn(100, 600_000).default(2_000),
  CACHE_FEED_HEARTBEAT_TIMEOUT_MS: intIn(100, 600_000).default(3_000),
  CACHE_TICKETS: flag.default(true),
  CACHE_GRACE_SECONDS: intIn(0, 604_800).default(3_600),
  BENCH_ROUTES: flag.default(false),
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
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must look like 1mb, 512kb or 1000b').default('1mb'),
  SHUTDOWN_TIMEOUT_MS: intIn(100, 120_000).default(10_000),
  SHUTDOWN_GRACE_MS: intIn(0, 60_000).default(5_500),
  SCREENCONNECT_URL_TEMPLATE: linkTemplate.optional(),
  PDQ_URL_TEMPLATE: linkTemplate.optional(),
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
