import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { embeddedRefusal } from '../../src/db/resolve-database';

describe('loadConfig', () => {
  it('applies documented defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, HOST: '127.0.0.1', NODE_ENV: 'development', LOG_LEVEL: 'info', ASSET_CACHE_TTL: 0, AUTH_CACHE_TTL: 30 });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('treats empty strings as unset, as .env files write them', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('lists every invalid variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '70000', LOG_LEVEL: 'loud', ASSET_CACHE_TTL: '-1', DATABASE_URL: 'mysql://x', BODY_LIMIT: 'huge' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.split(':')[0]);
    expect(problems.sort()).toEqual(['ASSET_CACHE_TTL', 'BODY_LIMIT', 'DATABASE_URL', 'LOG_LEVEL', 'PORT']);
    expect((error as Error).message).toContain('Invalid configuration');
  });

  it('accepts NODE_ENV development, test, staging and production, and nothing else', () => {
    for (const env of ['development', 'test', 'staging', 'production']) expect(loadConfig({ NODE_ENV: env }).NODE_ENV).toBe(env);
    expect(() => loadConfig({ NODE_ENV: 'prod' })).toThrow(/NODE_ENV/);
  });
});

describe('embeddedRefusal', () => {
  it('refuses the embedded database under production and staging, in one line that names DATABASE_URL', () => {
    for (const NODE_ENV of ['production', 'staging'] as const) {
      const refusal = embeddedRefusal(loadConfig({ NODE_ENV }));
      expect(refusal).toMatch(new RegExp(`^NODE_ENV=${NODE_ENV} needs DATABASE_URL: `));
      expect(refusal).not.toContain('\n');
    }
  });

  it('allows it in development and test, and is silent whenever DATABASE_URL is set', () => {
    expect(embeddedRefusal(loadConfig({}))).toBeUndefined();
    expect(embeddedRefusal(loadConfig({ NODE_ENV: 'test' }))).toBeUndefined();
    expect(embeddedRefusal(loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'postgres://db.internal/app' }))).toBeUndefined();
  });
});
