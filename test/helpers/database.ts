import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

export function databaseUrl(database: string): string {
  const u = new URL(inject('adminUrl'));
  u.pathname = `/${database}`;
  return u.toString();
}

let current: Promise<string> | undefined;

/**
 * This test file's own database, cloned from the migrated template on first use and dropped when
 * the file ends. Returns its URL.
 */
export function testDatabaseUrl(): Promise<string> {
  current ??= (async () => {
    const name = `gerbang_t_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: inject('adminUrl') });
    await admin.connect();
    // Cloning needs the template to be idle; another file cloning at the same moment can collide.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`create database ${name} template ${inject('templateDatabase')}`);
        break;
      } catch (err) {
        if (attempt >= 20 || !/being accessed by other users/.test(String(err))) throw err;
        await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      }
    }
    await admin.end();
    afterAll(async () => {
      const drop = new pg.Client({ connectionString: inject('adminUrl') });
      await drop.connect();
      await drop.query(`drop database if exists ${name} with (force)`);
      await drop.end();
    });
    return databaseUrl(name);
  })();
  return current;
}
