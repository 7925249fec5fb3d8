import fs from 'node:fs';
import path from 'node:path';

/**
 * The project's root folder, found from this file whether it runs compiled (dist/src) or as TypeScript
 * under vitest (src): SQL migrations and static files live in the source tree, not in dist.
 */
function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

export const projectRoot = findRoot(__dirname);

/** Absolute path of a file or folder given relative to the project root. */
export function projectPath(...segments: string[]): string {
  return path.join(projectRoot, ...segments);
}
