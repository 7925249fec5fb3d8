import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { AppMiddleware } from '../context';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/**
 * Our pages run only our own files. Trusted Types make every markup sink (innerHTML and the like) throw, so
 * data can never become markup on them, whatever a script does.
 */
const PAGE_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
].join('; ');

interface StaticFile {
  body: Buffer;
  type: string;
  etag: string;
}

/** Every regular file under `dir` with a known type, keyed by its URL path; dot-files and symlinks are left out. */
function collect(dir: string, urlPrefix: string, files: Map<string, StaticFile>): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    const urlPath = `${urlPrefix}/${entry.name}`;
    if (entry.isDirectory()) {
      collect(full, urlPath, files);
      continue;
    }
    const type = CONTENT_TYPES[path.extname(entry.name).toLowerCase()];
    if (!entry.isFile() || !type) continue;
    const body = fs.readFileSync(full);
    files.set(urlPath, { body, type, etag: `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });
  }
}

/**
 * Serves the files under `root` (read once, at start) for GET and HEAD; `/` is `index.html`. A request path is
 * only ever looked up in that list, never joined onto a folder, so no path can reach outside `root` — encoded
 * or not. Anything else goes on to the next middleware.
 */
export function staticFiles(root: string): AppMiddleware {
  const files = new Map<string, StaticFile>();
  collect(root, '', files);
  const index = files.get('/index.html');
  if (index) files.set('/', index);

  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-cache');
    if (file.type.startsWith('text/html')) {
      ctx.set('Content-Security-Policy', PAGE_POLICY);
      ctx.set('Referrer-Policy', 'same-origin');
    }
    ctx.status = 200;
    ctx.type = file.type;
    ctx.etag = file.etag;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    ctx.body = file.body;
  };
}
