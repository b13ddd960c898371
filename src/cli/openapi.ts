// npm run openapi: writes openapi/openapi.json from the route schemas (CI fails when it drifts).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderOpenApi } from '../openapi-document.ts';

const target = fileURLToPath(new URL('../../openapi/openapi.json', import.meta.url));
writeFileSync(target, await renderOpenApi());
process.stdout.write(`wrote ${target}\n`);
