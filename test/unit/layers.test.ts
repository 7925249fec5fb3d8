import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';

/**
 * The layers of src/, lowest first: a file may import from its own layer and the ones below, never from one
 * above. Folders are matched by their first segment, root files by name; a file in no layer fails the test,
 * so a new folder or root file gets placed here when it is added.
 */
const LAYERS: ReadonlyArray<{ name: string; members: readonly string[] }> = [
  { name: 'foundation', members: ['domain/', 'errors.ts', 'logger.ts', 'paths.ts', 'config.ts', 'env-file.ts'] },
  // The worker's contract and the body formats the SQL paths produce too (widget-body.ts, contact-page.ts).
  { name: 'cache', members: ['cache/'] },
  { name: 'db', members: ['db/'] },
  { name: 'auth', members: ['auth/'] },
  { name: 'services', members: ['services/', 'metrics.ts', 'readiness.ts'] },
  { name: 'http', members: ['http/'] },
  { name: 'composition', members: ['boot/', 'app.ts', 'service.ts'] },
  { name: 'entry points', members: ['main.ts', 'cli/'] },
];

const SRC = projectPath('src');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer index of a file under src/ (path relative to src/, with forward slashes); -1 for none. */
function layerOf(file: string): number {
  const slash = file.indexOf('/');
  const key = slash < 0 ? file : file.slice(0, slash + 1);
  return LAYERS.findIndex((layer) => layer.members.includes(key));
}

/** Relative imports of a file (static, `export … from`, dynamic), resolved to paths relative to src/; others are left out. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(SRC, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.relative(SRC, path.resolve(path.dirname(path.join(SRC, file)), match[1]!)).split(path.sep).join('/');
    if (!target.startsWith('../')) found.push(`${target}.ts`);
  }
  return found;
}

const files = sourceFiles(SRC).map((f) => path.relative(SRC, f).split(path.sep).join('/'));
const edges = files.map((file) => ({ file, imports: importsOf(file) }));

describe('src/ layers', () => {
  it('places every file in a layer', () => {
    expect(files.filter((file) => layerOf(file) < 0), 'add them to LAYERS in test/unit/layers.test.ts').toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(edges.find((e) => e.file === 'service.ts')?.imports).toContain('boot/build-app.ts');
  });

  it('has no import from a layer above the importing file', () => {
    const upward = edges.flatMap(({ file, imports }) =>
      imports
        .filter((target) => layerOf(target) > layerOf(file))
        .map((target) => `${file} (${LAYERS[layerOf(file)]!.name}) imports ${target} (${LAYERS[layerOf(target)]!.name})`),
    );
    expect(upward).toEqual([]);
  });

  it('has no import circle', () => {
    const graph = new Map(edges.map(({ file, imports }) => [file, imports]));
    const done = new Set<string>();
    const circles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      const seen = trail.indexOf(file);
      if (seen >= 0) {
        circles.push([...trail.slice(seen), file].join(' → '));
        return;
      }
      if (done.has(file)) return;
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      done.add(file);
    };
    for (const file of graph.keys()) visit(file, []);
    expect(circles).toEqual([]);
  });
});
