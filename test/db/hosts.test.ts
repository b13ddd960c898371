import { describe, expect, it } from 'vitest';
import { describeTarget, parsePgUrl, PgUrlError, singleHostUrl } from '../../src/db/hosts.ts';
import { matches } from '../../src/db/connector.ts';
import { loadConfig } from '../../src/config.ts';

describe('parsePgUrl (libpq rules)', () => {
  it('reads several hosts, each with its own port or 5432, and target_session_attrs', () => {
    const t = parsePgUrl('postgresql://gerbang:s%40cret@db1:5433,db2,[::1]:5435/gerbang?target_session_attrs=read-write&sslmode=require');
    expect(t.hosts).toEqual([{ host: 'db1', port: 5433 }, { host: 'db2', port: 5432 }, { host: '::1', port: 5435 }]);
    expect(t).toMatchObject({ user: 'gerbang', password: 's@cret', database: 'gerbang', targetSessionAttrs: 'read-write', loadBalanceHosts: 'disable' });
    // Only what node-postgres understands is passed on.
    expect(t.params).toEqual({ sslmode: 'require' });
    expect(describeTarget(t)).toBe('db1:5433,db2:5432,[::1]:5435/gerbang');
    expect(describeTarget(t)).not.toContain('cret');
  });

  it('takes hosts and ports from the query as libpq does: one port for all, or one per host', () => {
    expect(parsePgUrl('postgresql:///gerbang?host=a,b&port=6000').hosts).toEqual([{ host: 'a', port: 6000 }, { host: 'b', port: 6000 }]);
    expect(parsePgUrl('postgresql:///gerbang?host=a,b&port=6000,6001').hosts).toEqual([{ host: 'a', port: 6000 }, { host: 'b', port: 6001 }]);
    expect(parsePgUrl('postgresql://a,b/gerbang?port=6000').hosts).toEqual([{ host: 'a', port: 6000 }, { host: 'b', port: 6000 }]);
    expect(parsePgUrl('postgres://u@/db').hosts).toEqual([{ host: 'localhost', port: 5432 }]);
    expect(parsePgUrl('postgresql:///db?host=/var/run/postgresql').hosts).toEqual([{ host: '/var/run/postgresql', port: 5432 }]);
    expect(parsePgUrl('postgresql://h/db?connect_timeout=1').connectTimeoutMs).toBe(2_000);
  });

  it('refuses what libpq refuses, without echoing the password', () => {
    const bad = [
      'mysql://root@h/db',
      'postgresql://u:topsecret@a,b/db?port=1,2,3',
      'postgresql://u:topsecret@a:99999/db',
      'postgresql://u:topsecret@a:54x/db',
      'postgresql://u:topsecret@[::1/db',
      'postgresql://u:topsecret@a/db?target_session_attrs=writable',
      'postgresql://u:topsecret@a/db?load_balance_hosts=sometimes',
      'postgresql://u:topsecret@a:5432/db?port=5433',
    ];
    for (const url of bad) {
      expect(() => parsePgUrl(url), url).toThrow(PgUrlError);
      try {
        parsePgUrl(url);
      } catch (err) {
        expect((err as Error).message).not.toContain('topsecret');
      }
    }
  });

  it('gives node-postgres one single-host URL per host, credentials and parameters kept', () => {
    const t = parsePgUrl('postgresql://u:p%2Fw@h1:5433,h2:5434/d%20b?target_session_attrs=primary&application_name=x');
    expect(singleHostUrl(t, t.hosts[1]!)).toBe('postgresql://u:p%2Fw@h2:5434/d%20b?application_name=x');
    const parsed = new URL(singleHostUrl(t, t.hosts[0]!));
    expect([parsed.hostname, parsed.port, decodeURIComponent(parsed.password)]).toEqual(['h1', '5433', 'p/w']);
  });

  it('matches servers to target_session_attrs as libpq does', () => {
    const primary = { state: 'primary' as const, readOnly: false };
    const standby = { state: 'standby' as const, readOnly: true };
    const readOnlyPrimary = { state: 'primary' as const, readOnly: true };
    const down = { state: 'down' as const, readOnly: false };
    expect([primary, standby, readOnlyPrimary, down].map((s) => matches('read-write', s))).toEqual([true, false, false, false]);
    expect([primary, standby, readOnlyPrimary, down].map((s) => matches('primary', s))).toEqual([true, false, true, false]);
    expect([primary, standby, readOnlyPrimary, down].map((s) => matches('read-only', s))).toEqual([false, true, true, false]);
    expect([primary, standby, readOnlyPrimary, down].map((s) => matches('standby', s))).toEqual([false, true, false, false]);
    expect([primary, standby, readOnlyPrimary, down].map((s) => matches('any', s))).toEqual([true, true, true, false]);
  });
});

describe('configuration of the database URLs', () => {
  it('accepts several hosts in DATABASE_URL, MIGRATION_DATABASE_URL and DATABASE_READ_URL', () => {
    const c = loadConfig({
      DATABASE_URL: 'postgresql://gerbang:pw@db1:5432,db2:5432/gerbang?target_session_attrs=read-write',
      MIGRATION_DATABASE_URL: 'postgresql://owner:pw@db1:5432,db2:5432/gerbang?target_session_attrs=read-write',
      DATABASE_READ_URL: 'postgresql://gerbang:pw@db2:5432,db1:5432/gerbang?target_session_attrs=prefer-standby',
    });
    expect(c.DATABASE_URL).toContain('db1:5432,db2:5432');
    expect(c.DATABASE_READ_URL).toContain('prefer-standby');
  });

  it('names each bad URL without printing its password, and wants DATABASE_URL beside DATABASE_READ_URL', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://u:hunter2@a,b/db?port=1,2,3' })).toThrow(/DATABASE_URL: not a PostgreSQL URL: 3 ports for 2 hosts/);
    expect(() => loadConfig({ DATABASE_URL: 'postgresql://u:hunter2@a,b/db?port=1,2,3' })).not.toThrow(/hunter2/);
    expect(() => loadConfig({ DATABASE_READ_URL: 'postgresql://u@a/db' })).toThrow(/DATABASE_READ_URL: needs DATABASE_URL/);
  });
});
