// A fresh embedded database starts from a copy of PGlite's own initdb output instead of running
// initdb. PGlite runs initdb in a second WebAssembly instance and keeps a copy of that instance's
// whole 128 MB heap to restore it between the postgres runs initdb makes: the first start peaked at
// about 1.2 GB (about 530 MB even in a process of its own), where loading this copy adds under
// 100 MB. The copy is tied to the exact PGlite build (its catalog version), so there is one per
// PGlite version, made by `npm run db:pglite-template`; without one for the installed version,
// PGlite runs initdb as before.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { constants, brotliCompressSync, brotliDecompressSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

export const templateFolder = fileURLToPath(new URL('./pglite-initdb/', import.meta.url));

/** The version of @electric-sql/pglite that is installed (its package.json is not in its exports). */
export function installedPgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
  }
  throw new Error(`no package.json of @electric-sql/pglite above ${entry}`);
}

export const templateFile = (version: string): string => path.join(templateFolder, `pglite-${version}.tar.br`);

/** The initialised data directory for the installed PGlite, as the tar `loadDataDir` takes; null if none was made. */
export function initdbTemplate(): Blob | null {
  const file = templateFile(installedPgliteVersion());
  if (!existsSync(file)) return null;
  return new Blob([brotliDecompressSync(readFileSync(file))], { type: 'application/x-tar' });
}

/**
 * PGlite's initdb, in memory, checkpointed and dumped as PGlite's clone() does, compressed with
 * brotli: the three databases initdb makes are nearly alike, so a 16 MB window takes 40 MB to about
 * 1.4 MB (gzip: 4.5 MB).
 */
export async function buildInitdbTemplate(): Promise<Buffer> {
  const pg = await PGlite.create();
  try {
    await pg.exec('CHECKPOINT');
    const tar = await pg.dumpDataDir('none');
    return brotliCompressSync(Buffer.from(await tar.arrayBuffer()), {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_LGWIN]: 24 },
    });
  } finally {
    await pg.close();
  }
}
