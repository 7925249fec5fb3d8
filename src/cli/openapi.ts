import fs from 'node:fs';
import { openApiDocument } from '../http/openapi/document';
import { projectPath } from '../paths';

/** Writes docs/openapi.json: the document a default deployment serves at /api/openapi.json (no database needed). */
const target = projectPath('docs', 'openapi.json');
fs.writeFileSync(target, `${JSON.stringify(openApiDocument({ benchRoutes: false }), null, 2)}\n`);
process.stdout.write(`${target}\n`);
