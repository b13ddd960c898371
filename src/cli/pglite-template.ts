// npm run db:pglite-template: makes the initialised data directory a fresh embedded database starts
// from (src/db/pglite-template.ts), for the installed PGlite version, and removes those of other
// versions. Run it after upgrading @electric-sql/pglite (a test fails until it is), and commit the file.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildInitdbTemplate, installedPgliteVersion, templateFile, templateFolder } from '../db/pglite-template.ts';

const version = installedPgliteVersion();
const file = templateFile(version);
const template = await buildInitdbTemplate();
mkdirSync(templateFolder, { recursive: true });
writeFileSync(file, template);
for (const name of readdirSync(templateFolder)) {
  if (path.join(templateFolder, name) !== file) rmSync(path.join(templateFolder, name));
}
process.stdout.write(`${path.relative(process.cwd(), file)}: PGlite ${version}, ${template.length} bytes\n`);
