import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../src/http/openapi/document';

type Json = Record<string, any>;

/** The document with every optional route mounted, so whatever a test calls is described in it. */
export const contractDocument = openApiDocument({ benchRoutes: true }) as Json;

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(contractDocument, 'openapi');

const validators = new Map<string, ReturnType<typeof ajv.compile>>();

const pointer = (...tokens: string[]) => tokens.map((t) => encodeURIComponent(t.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/');

const templates = Object.keys(contractDocument.paths).map((path) => ({
  path,
  pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`),
  literals: path.split('/').filter((s) => s && !s.startsWith('{')).length,
}));

/** The documented path a request path belongs to (the most literal match wins), or undefined. */
export function documentedPath(requestPath: string): string | undefined {
  const matches = templates.filter((t) => t.pattern.test(requestPath)).sort((a, b) => b.literals - a.literals);
  return matches[0]?.path;
}

/**
 * Checks one answer against the document: its status must be documented for the operation, and its body must
 * validate against that status's schema for its content type. Requests to undocumented operations (a test
 * probing an unknown path or method) are not the contract's business. Returns a problem, or undefined.
 */
export function contractProblem(method: string, url: string, status: number, contentType: string | null, body: unknown): string | undefined {
  const requestPath = new URL(url, 'http://x').pathname;
  const path = documentedPath(requestPath);
  const op = path && contractDocument.paths[path][method.toLowerCase()];
  // A plain NOT_FOUND means no route matched at all (an optional router not mounted): outside every operation.
  if (!path || !op || (status === 404 && (body as { code?: string } | undefined)?.code === 'NOT_FOUND')) return undefined;
  const response = op.responses[String(status)];
  if (!response) return `${method} ${path} answered ${status}, which the OpenAPI document does not list`;
  if (status === 204 || status === 304 || method === 'HEAD') return undefined;
  const type = (contentType ?? '').split(';')[0]!.trim();
  const content = response.content?.[type];
  if (!content) return `${method} ${path} ${status} answered ${type || 'no content type'}, not documented`;
  if (content.schema?.type === 'string') return typeof body === 'string' ? undefined : `${method} ${path} ${status}: expected text`;
  const ref = `openapi#/${pointer('paths', path, method.toLowerCase(), 'responses', String(status), 'content', type, 'schema')}`;
  let validate = validators.get(ref);
  if (!validate) validators.set(ref, (validate = ajv.compile({ $ref: ref })));
  if (validate(body)) return undefined;
  return `${method} ${path} ${status} body does not match the document: ${ajv.errorsText(validate.errors)}`;
}
