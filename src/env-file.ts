import fs from 'node:fs';
import { parseEnv } from 'node:util';
import { projectPath } from './paths';

export interface EnvFileResult {
  /** The file read, or undefined when there is none. */
  file: string | undefined;
  /** Names taken from the file: those the environment did not already have. */
  applied: string[];
  /** Names in the file that the environment already had, and so kept. */
  overridden: string[];
}

/**
 * Loads the project's `.env` (at the project root, beside package.json) into `env` without overriding it: a
 * variable already in the environment wins, even when it is set to an empty string (which the config reads as
 * unset), so `DATABASE_URL= npm start` still means the embedded database whatever `.env` says. Same parser and
 * same precedence as Node's `process.loadEnvFile` (which also keeps existing variables), but it says which names
 * it applied. A missing file is not an error.
 */
export function loadEnvFile(file = projectPath('.env'), env: NodeJS.ProcessEnv = process.env): EnvFileResult {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { file: undefined, applied: [], overridden: [] };
    throw err;
  }
  const applied: string[] = [];
  const overridden: string[] = [];
  for (const [name, value] of Object.entries(parseEnv(text))) {
    if (value === undefined) continue;
    if (env[name] === undefined) {
      env[name] = value;
      applied.push(name);
    } else {
      overridden.push(name);
    }
  }
  return { file, applied, overridden };
}
