import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadEnvFile } from '../../src/env-file';

describe('loadEnvFile', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'awc-env-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (text: string) => {
    const file = path.join(dir, `${Math.random().toString(36).slice(2)}.env`);
    fs.writeFileSync(file, text);
    return file;
  };

  it('fills in what the environment lacks, and the environment wins, even with an empty value', () => {
    const file = write('# comment\nDATABASE_URL=postgres://from-file/db\nHOST=0.0.0.0\nPORT=4000\nQUOTED="a b"\n');
    const env: NodeJS.ProcessEnv = { HOST: '127.0.0.2', DATABASE_URL: '' };
    const result = loadEnvFile(file, env);
    expect(env).toEqual({ HOST: '127.0.0.2', DATABASE_URL: '', PORT: '4000', QUOTED: 'a b' });
    expect(result).toEqual({ file, applied: ['PORT', 'QUOTED'], overridden: ['DATABASE_URL', 'HOST'] });
  });

  it('does the same as Node’s own process.loadEnvFile, which keeps existing variables too', () => {
    const file = write('AWC_ENV_TEST_A=file\nAWC_ENV_TEST_B=file\n');
    process.env.AWC_ENV_TEST_A = 'real';
    try {
      process.loadEnvFile(file);
      expect([process.env.AWC_ENV_TEST_A, process.env.AWC_ENV_TEST_B]).toEqual(['real', 'file']);
    } finally {
      delete process.env.AWC_ENV_TEST_A;
      delete process.env.AWC_ENV_TEST_B;
    }
  });

  it('is a no-op without a file', () => {
    const env: NodeJS.ProcessEnv = { A: '1' };
    expect(loadEnvFile(path.join(dir, 'missing.env'), env)).toEqual({ file: undefined, applied: [], overridden: [] });
    expect(env).toEqual({ A: '1' });
  });
});
