// The initialised data directory a fresh embedded database starts from (src/db/pglite-template.ts)
// must be what PGlite's own initdb makes, for the PGlite that is installed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/db/client.ts';
import { migratePgliteDb } from '../../src/db/migrate.ts';
import { installedPgliteVersion, templateFile } from '../../src/db/pglite-template.ts';

type Queryable = Pick<PGlite, 'query'>;

/** What initdb decides: server and catalog versions, databases, locale, and every catalog object. */
async function fingerprint(pg: Queryable): Promise<unknown> {
  const q = async (text: string) => (await pg.query(text)).rows;
  return {
    version: await q('select version()'),
    control: await q('select pg_control_version, catalog_version_no from pg_control_system()'),
    databases: await q(`select datname, pg_encoding_to_char(encoding) as encoding, datlocprovider, datcollate, datctype,
      datistemplate, datallowconn from pg_database order by datname`),
    settings: await q(`select name, setting from pg_settings where name in
      ('server_encoding', 'data_checksums', 'lc_messages', 'lc_monetary', 'lc_numeric', 'lc_time', 'default_text_search_config')
      order by name`),
    roles: await q('select rolname, rolsuper from pg_roles order by rolname'),
    // md5 of each catalog's identifying columns: a different initdb shows here.
    catalogs: await q(`select
      (select md5(string_agg(n.nspname || '.' || c.relname || ':' || c.relkind::text, ',' order by n.nspname, c.relname))
         from pg_class c join pg_namespace n on n.oid = c.relnamespace) as relations,
      (select md5(string_agg(p.oid::regprocedure::text, ',' order by p.oid)) from pg_proc p) as functions,
      (select md5(string_agg(t.oid::regtype::text, ',' order by t.oid)) from pg_type t) as types,
      (select md5(string_agg(collname || ':' || coalesce(collcollate, ''), ',' order by oid)) from pg_collation) as collations,
      (select md5(string_agg(extname || ':' || extversion, ',' order by extname)) from pg_extension) as extensions`),
  };
}

describe('the initdb template of the embedded database', () => {
  const dirs: string[] = [];
  const freshDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gerbang-template-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('exists for the installed PGlite (after an upgrade: npm run db:pglite-template)', () => {
    expect(existsSync(templateFile(installedPgliteVersion())), templateFile(installedPgliteVersion())).toBe(true);
  });

  it('opens as the database PGlite\'s initdb makes', async () => {
    const fromTemplate = await openPglite(await freshDir());
    const fromInitdb = await PGlite.create();
    try {
      expect(fromTemplate.origin).toBe('template');
      expect(await fingerprint(fromTemplate.client)).toEqual(await fingerprint(fromInitdb));
    } finally {
      await fromInitdb.close();
      await fromTemplate.close();
    }
  }, 60_000);

  it('takes the migrations, and opens again as it was left', async () => {
    const dir = await freshDir();
    const first = await openPglite(dir);
    await migratePgliteDb(first.client);
    await first.client.query(`insert into opds (code, name) values ('UJI', 'Dinas Uji Templat')`);
    await first.close();
    const again = await openPglite(dir);
    try {
      expect(again.origin).toBe('existing');
      await migratePgliteDb(again.client);
      expect((await again.client.query(`select name from opds where code = 'UJI'`)).rows).toEqual([{ name: 'Dinas Uji Templat' }]);
    } finally {
      await again.close();
    }
  }, 60_000);
});
