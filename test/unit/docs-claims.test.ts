import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../src/paths';

/**
 * The docs name files, npm scripts and settings; this keeps those names true mechanically, so a rename in the
 * code fails here instead of leaving the newcomer's map pointing at nothing. What a sentence claims about the
 * code is still checked by reading it; what it names is checked here.
 */
const DOCS = ['docs/ARCHITECTURE.md', 'README.md', 'docs/measurements.md'];
const ROOTS = ['src', 'workers', 'load-tests', 'test', 'web', 'docs'];
const REPO_PATH = new RegExp(`(?<![\\w./-])(?:${ROOTS.join('|')})/[\\w.*/-]*`, 'g');
const BARE_FILE = /^[\w.-]+\.(?:ts|js|mjs|sql|json|html|css|md)$/;
/** Settings in the README's table that the service does not read: each is read by the file named here. */
const READ_ELSEWHERE: Record<string, string> = { INSTANCES: 'ecosystem.config.js', CHROMIUM_PATH: 'test/browser/browser-kit.ts' };

const read = (file: string) => fs.readFileSync(projectPath(file), 'utf8');
const scripts = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts);
/** Folders git ignores hold what the code writes (results, screenshots): a doc naming them names an output. */
const OUTPUT_FOLDERS = read('.gitignore').split('\n').filter((line) => line.endsWith('/'));

/** Every file of the repository below the roots, as paths relative to the project (forward slashes). */
function repositoryFiles(dir: string): string[] {
  return fs.readdirSync(projectPath(dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    return entry.isDirectory() ? [`${relative}/`, ...repositoryFiles(relative)] : [relative];
  });
}
const files = ROOTS.flatMap((root) => [`${root}/`, ...repositoryFiles(root)]);
const fileNames = new Set([...files.map((f) => path.posix.basename(f)), ...fs.readdirSync(projectPath())]);

/** A named path exists: as a file, as a folder (trailing slash), or as a `*` pattern matching at least one. */
function exists(named: string): boolean {
  if (!named.includes('*')) return files.includes(named) || files.includes(`${named}/`);
  const pattern = new RegExp(`^${named.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
  return files.some((file) => pattern.test(file));
}

interface Named {
  doc: string;
  name: string;
}

/** The text in backticks and in fenced blocks, and the targets of relative links: where a doc names things. */
function codeSpans(text: string): { inline: string[]; blocks: string[][]; links: string[] } {
  const blocks = [...text.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1]!.split('\n'));
  const prose = text.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const inline = [...prose.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
  const links = [...prose.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)].map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target));
  return { inline, blocks, links };
}

/**
 * Paths a doc names: repository paths anywhere in code spans and blocks; in a block line that starts with a
 * path, the bare file names after it are in that path's folder (`src/boot/  open-database.ts (…), cache.ts`),
 * and a line starting with spaces continues the line above.
 */
function namedPaths(doc: string): Named[] {
  const { inline, blocks, links } = codeSpans(read(doc));
  const trim = (p: string) => p.replace(/[.,;:]+$/, '');
  const found = inline.flatMap((span) => [...span.matchAll(REPO_PATH)].map((m) => trim(m[0])));
  for (const block of blocks) {
    let folder: string | undefined;
    for (const line of block) {
      const first = /^(\S+)/.exec(line)?.[1];
      if (first !== undefined) folder = first.match(REPO_PATH)?.[0] === first ? (first.endsWith('/') ? first : path.posix.dirname(first) + '/') : undefined;
      found.push(...[...line.matchAll(REPO_PATH)].map((m) => trim(m[0])));
      if (folder === undefined) continue;
      for (const word of line.split(/[\s(),+;:]+/)) if (BARE_FILE.test(word) && word !== first) found.push(folder + word);
    }
  }
  // Links are relative to the doc's own folder.
  found.push(...links.map((target) => path.posix.normalize(path.posix.join(path.posix.dirname(doc), target))));
  return [...new Set(found)].map((name) => ({ doc, name }));
}

/** The `npm run X` commands a doc names. */
function npmScripts(doc: string): Named[] {
  return [...new Set([...read(doc).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!))].map((name) => ({ doc, name }));
}

/**
 * The variables of the README's configuration table (its rows' first cells). A cell may list several, and
 * a shorthand such as `_PER_ADDRESS` after `LOGIN_MAX_FAILURES_PER_ACCOUNT` stands for the name it completes.
 */
function configurationTableNames(): string[] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(read('README.md'))?.[1] ?? '';
  return section.split('\n').filter((line) => line.startsWith('| `')).flatMap((line) => {
    const names: string[] = [];
    for (const [, name] of line.split('|')[1]!.matchAll(/`([A-Z0-9_]+)`/g)) {
      const previous = names.at(-1);
      if (!name!.startsWith('_') || previous === undefined) {
        names.push(name!);
        continue;
      }
      const cut = previous.lastIndexOf(`_${name!.split('_')[1]}_`);
      names.push(previous.slice(0, cut) + name);
    }
    return names;
  });
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const slug = (heading: string) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-');

/** The headings of a markdown file (outside fenced blocks), as written. */
function headings(file: string): string[] {
  const prose = read(file).replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  return [...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!);
}

/**
 * Where a doc points into a doc: `[…](file#anchor)` and `[…](#anchor)` links, and the README's prose form
 * `docs/x.md, "Section"` (or `docs/x.md, section "Section"`).
 */
function sectionReferences(doc: string): Array<{ doc: string; file: string; anchor: string }> {
  const text = read(doc).replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const links = [...text.matchAll(/\]\(([^)#\s]*)#([^)\s]+)\)/g)].map((m) => ({
    doc,
    file: m[1] ? path.posix.normalize(path.posix.join(path.posix.dirname(doc), m[1])) : doc,
    anchor: m[2]!,
  }));
  const named = [...text.matchAll(/\b(docs\/[\w-]+\.md),? (?:section )?"([^"]+)"/g)].map((m) => ({ doc, file: m[1]!, anchor: slug(m[2]!) }));
  return [...links, ...named];
}

describe('the docs and the code name the same things', () => {
  const paths = DOCS.flatMap(namedPaths);

  it('finds the names it checks', () => {
    expect(paths.map((p) => p.name)).toEqual(expect.arrayContaining(['src/services/widget-service.ts', 'src/boot/demo-data.ts', 'docs/measurements.md']));
    expect(configurationTableNames()).toEqual(expect.arrayContaining(['DATABASE_URL', 'HOST', 'LOGIN_MAX_FAILURES_PER_ADDRESS']));
  });

  it('every repository path named in the docs exists', () => {
    const claimed = paths.filter((p) => !OUTPUT_FOLDERS.some((folder) => p.name.startsWith(folder)));
    expect(claimed.filter((p) => !exists(p.name)).map((p) => `${p.doc}: ${p.name}`)).toEqual([]);
  });

  it('every file named bare in the map is a file of the repository', () => {
    const { blocks } = codeSpans(read('docs/ARCHITECTURE.md'));
    const bare = blocks.flat().flatMap((line) => line.split(/[\s(),+;:]+/)).filter((word) => BARE_FILE.test(word));
    expect(bare.filter((name) => !fileNames.has(name))).toEqual([]);
  });

  it('every section a doc points to is a heading of its target', () => {
    const references = DOCS.flatMap(sectionReferences);
    expect(references.length).toBeGreaterThan(5);
    const missing = references.filter((r) => !headings(r.file).map(slug).includes(r.anchor));
    expect(missing.map((r) => `${r.doc}: ${r.file}#${r.anchor}`)).toEqual([]);
  });

  it('every `npm run` script named in the docs is in package.json', () => {
    const named = DOCS.flatMap(npmScripts);
    expect(named.length).toBeGreaterThan(5);
    expect(named.filter((s) => !scripts.includes(s.name)).map((s) => `${s.doc}: npm run ${s.name}`)).toEqual([]);
  });

  it('ARCHITECTURE lists every benchmark and load script of package.json', () => {
    const benchmarks = scripts.filter((name) => /^(?:bench:|load\b|soak\b)/.test(name));
    const listed = npmScripts('docs/ARCHITECTURE.md').map((s) => s.name);
    expect(benchmarks.length).toBeGreaterThan(4);
    expect(benchmarks.filter((name) => !listed.includes(name))).toEqual([]);
  });

  it("every variable of the README's configuration table is read by src/config.ts, or by the file named for it", () => {
    const config = read('src/config.ts');
    const unread = configurationTableNames().filter((name) => {
      const elsewhere = READ_ELSEWHERE[name];
      return elsewhere ? !read(elsewhere).includes(name) : !new RegExp(`^\\s*${name}:`, 'm').test(config);
    });
    expect(unread).toEqual([]);
  });
});
