// Where a membership import's time goes, phase by phase, without HTTP: reading and checking the
// records in JS alone, then (in one transaction on a scratch PostgreSQL database) staging them with
// COPY and merging them, with the CPU seconds the database backend and this process spent on each.
// Wall times on a shared machine move with its load; the CPU seconds much less.
//
//   node bench/import-profile.ts [--records 200000] [--phase js|sql|all]
//   PERF=1 ...   records the backend with `perf record -g` while staging (/tmp/import-<format>-stage.perf)
//                and during each merge (/tmp/import-<format>.perf)
//   EXPLAIN=1 ... logs each merge statement's plan with its timings, buffers and WAL (auto_explain,
//                 in the database server's log; the bench connects as a superuser)
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import pino from 'pino';
import { openPostgres, rows, type Tx } from '../src/db/client.ts';
import { CopyRows } from '../src/db/copy.ts';
import { migratePostgres } from '../src/db/migrate.ts';
import { fastMembershipRecord } from '../src/memberships/fast-record.ts';
import { importRecords } from '../src/memberships/input.ts';
import { createStaging, mergeChunk, prepareMerge, stageRow } from '../src/memberships/repository.ts';
import { stageRecords } from '../src/memberships/staging.ts';
import { csvLines, ndjsonLines, writeLines } from './import-memberships.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    phase: { type: 'string', default: 'all' },
    'admin-url': { type: 'string', default: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' },
  },
});
const N = Number(values.records);
const work = await mkdtemp(path.join(tmpdir(), 'gerbang-profile-'));
const files = { ndjson: path.join(work, 'm.ndjson'), csv: path.join(work, 'm.csv') } as const;
await writeLines(files.ndjson, ndjsonLines(N));
await writeLines(files.csv, csvLines(N));
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Reads and checks every record as the service does, building its COPY rows, without a database. */
async function read(format: 'csv' | 'ndjson'): Promise<number> {
  let n = 0;
  const rows = new CopyRows();
  for await (const raw of importRecords(format, createReadStream(files[format]))) {
    const record = fastMembershipRecord(raw.value);
    if (!record) throw new Error(`line ${raw.line} is not plainly valid`);
    stageRow(rows, record, ++n);
    if (rows.count === 5_000) rows.take();
  }
  return n;
}

try {
  if (values.phase !== 'sql') {
    for (const format of ['ndjson', 'csv'] as const) {
      const started = performance.now();
      await read(format);
      console.log(`js only, ${format}: ${N} records read and checked in ${seconds(performance.now() - started)}`);
    }
  }
  if (values.phase !== 'js') await profileSql(values['admin-url'] as string);
} finally {
  await rm(work, { recursive: true, force: true });
}

/** With PERF set, `perf record -g` of the backend `pid` into `file` until the returned stop is awaited. */
function recordBackend(pid: number, file: string): () => Promise<void> {
  if (!process.env.PERF) return async () => {};
  const perf = spawn('perf', ['record', '-g', '-o', file, '-p', String(pid)], { stdio: 'ignore' });
  const exited = new Promise((resolve) => perf.on('exit', resolve));
  return async () => {
    perf.kill('SIGINT');
    await exited;
  };
}

async function profileSql(adminUrl: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const name = `gerbang_profile_${randomBytes(4).toString('hex')}`;
  await admin.query(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migratePostgres(url.toString());
  const database = await openPostgres({ url: url.toString(), logger: pino({ level: 'silent' }), statementTimeoutMs: 600_000 });
  try {
    for (const format of ['ndjson', 'csv'] as const) {
      await database.db.transaction(async (tx: Tx) => {
        const [{ pid }] = (await rows<{ pid: number }>(tx, sql`select pg_backend_pid() as pid`)) as [{ pid: number }];
        const backendCpu = () => {
          const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
          return (Number(fields[11]) + Number(fields[12])) / 100;
        };
        const ownCpu = () => (process.cpuUsage().user + process.cpuUsage().system) / 1e6;
        let mark = { wall: performance.now(), db: backendCpu(), js: ownCpu() };
        const phase = (label: string) => {
          const now = { wall: performance.now(), db: backendCpu(), js: ownCpu() };
          console.log(`${format}, ${label}: ${seconds(now.wall - mark.wall)} (database CPU ${(now.db - mark.db).toFixed(2)} s, node CPU ${(now.js - mark.js).toFixed(2)} s)`);
          mark = now;
        };
        await createStaging(tx);
        const stagePerf = recordBackend(pid, `/tmp/import-${format}-stage.perf`);
        const staged = await stageRecords(database, tx, format, createReadStream(files[format]), { latestAllowed: Date.now() + 300_000 });
        await stagePerf();
        if (staged.errors.count > 0) throw staged.errors.toError();
        phase('read, check, stage');
        await prepareMerge(tx);
        phase('prepare');
        if (process.env.EXPLAIN) {
          await tx.execute(sql`load 'auto_explain'`);
          await tx.execute(sql`select set_config('auto_explain.log_min_duration', '0', true), set_config('auto_explain.log_analyze', 'on', true),
            set_config('auto_explain.log_buffers', 'on', true), set_config('auto_explain.log_wal', 'on', true)`);
        }
        const mergePerf = recordBackend(pid, `/tmp/import-${format}.perf`);
        const counts = { inserted: 0, updated: 0, unchanged: 0, chunks: 0 };
        for (let after: readonly [string, string] = ['', '']; ;) {
          const chunk = await mergeChunk(tx, after, 50_000, new Date(), 'import');
          counts.inserted += chunk.inserted;
          counts.updated += chunk.updated;
          counts.unchanged += chunk.unchanged;
          counts.chunks++;
          if (chunk.staged < 50_000 || chunk.last === null) break;
          after = chunk.last;
        }
        await mergePerf();
        phase(`merge (${counts.chunks} chunks: ${counts.inserted} inserted, ${counts.updated} updated, ${counts.unchanged} unchanged)`);
      });
    }
  } finally {
    await database.close();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}
