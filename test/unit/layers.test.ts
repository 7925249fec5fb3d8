import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';

/**
 * The layers of src/ and workers/, lowest first: a file may import from its own layer and the ones below,
 * never from one above. Folders of src/ are matched by their first segment, its root files by name, and all of
 * workers/ is one layer (the cache worker thread, which imports the contract in src/cache/ and never the
 * front); a file in no layer fails the test, so a new folder or root file gets placed here when it is added.
 */
const LAYERS: ReadonlyArray<{ name: string; members: readonly string[] }> = [
  { name: 'foundation', members: ['src/domain/', 'src/backoff.ts', 'src/errors.ts', 'src/logger.ts', 'src/paths.ts', 'src/config.ts', 'src/env-file.ts'] },
  // The worker's contract and the body formats the SQL paths produce too (widget-body.ts, contact-page.ts).
  { name: 'cache', members: ['src/cache/'] },
  { name: 'db', members: ['src/db/'] },
  { name: 'worker', members: ['workers/'] },
  { name: 'auth', members: ['src/auth/'] },
  { name: 'services', members: ['src/services/', 'src/metrics.ts', 'src/readiness.ts'] },
  { name: 'http', members: ['src/http/'] },
  { name: 'composition', members: ['src/boot/', 'src/app.ts', 'src/service.ts'] },
  { name: 'entry points', members: ['src/main.ts', 'src/cli/'] },
];

const ROOT = projectPath();
const ROOTS = ['src', 'workers'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The layer index of a file under src/ or workers/ (path relative to the project, forward slashes); -1 for none. */
function layerOf(file: string): number {
  const [root, ...rest] = file.split('/');
  const key = root === 'workers' ? 'workers/' : `${root}/${rest.length === 1 ? rest[0] : `${rest[0]}/`}`;
  return LAYERS.findIndex((layer) => layer.members.includes(key));
}

/** Relative imports of a file (static, `export … from`, dynamic) into src/ or workers/, as project paths; others are left out. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), match[1]!)).split(path.sep).join('/');
    if (ROOTS.includes(target.split('/')[0]!)) found.push(`${target}.ts`);
  }
  return found;
}

const files = ROOTS.flatMap((root) => sourceFiles(path.join(ROOT, root))).map((f) => path.relative(ROOT, f).split(path.sep).join('/'));
const edges = files.map((file) => ({ file, imports: importsOf(file) }));

describe('src/ and workers/ layers', () => {
  it('places every file in a layer', () => {
    expect(files.filter((file) => layerOf(file) < 0), 'add them to LAYERS in test/unit/layers.test.ts').toEqual([]);
  });

  it('finds the imports it checks', () => {
    expect(edges.find((e) => e.file === 'src/service.ts')?.imports).toContain('src/boot/build-app.ts');
    expect(edges.find((e) => e.file === 'workers/asset-cache.ts')?.imports).toContain('src/cache/protocol.ts');
    expect(edges.find((e) => e.file === 'src/cli/feed-uninstall.ts')?.imports).toContain('workers/wal-slot.ts');
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
