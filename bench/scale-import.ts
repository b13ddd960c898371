// One streamed import of N new membership records through POST /v1/memberships/import, against
// the real server started as `npm start` starts it, on its own scratch database: wall time and
// the server's peak RSS (VmHWM of the child, reset just before the upload).
import { readFile, stat, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { mintToken } from '../src/auth-tokens.ts';
import { loadConfig } from '../src/config.ts';
import { devAuthJwk } from '../src/keys.ts';
import { ndjsonLines, postFile, procStatus, writeLines } from './import-memberships.ts';
import { createScratchDatabase } from './seed.ts';
import { startServer } from './server.ts';

export interface ImportFigures {
  label: string;
  records: number;
  megabytes: number;
  seconds: number;
  /** VmHWM during the upload (reset to the current RSS just before it). */
  peakRssMiB: number;
  idleRssMiB: number;
  /** VmHWM from the start of the process to just before the upload (startup, migrations). */
  startupPeakMiB: number;
  status: number;
  body: string;
  loadBefore: number;
  loadAfter: number;
}

/** The NDJSON file of `records` new NIKs that every import run uploads. */
export async function writeImportFile(file: string, records: number): Promise<{ file: string; bytes: number }> {
  await writeLines(file, ndjsonLines(records));
  return { file, bytes: (await stat(file)).size };
}

/** kB fields of /proc/<pid>/status, in MiB. */
async function statusFields(pid: number, names: string[]): Promise<Record<string, number>> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  const out: Record<string, number> = {};
  for (const name of names) out[name] = Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN) / 1024;
  return out;
}

const metric = (text: string, name: string): number => {
  const match = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
  return match ? Number(match[1]) / 1024 / 1024 : Number.NaN;
};

/**
 * `env` goes to the server on top of the bench's own (undefined removes a variable). With `trace`,
 * prints RSS and V8 heap every half second while the upload runs (BENCH_SCALE_TRACE=1).
 */
export async function measureImport(o: {
  label: string; root: string; adminUrl: string; dataDir: string; file: string; records: number;
  env: Record<string, string | undefined>; trace?: boolean;
  /** Also hands the cleanups to the caller, for when it is interrupted before they run here. */
  onCleanup?: (step: () => Promise<unknown>) => void;
}): Promise<ImportFigures> {
  const scratch = await createScratchDatabase(o.adminUrl);
  o.onCleanup?.(() => scratch.drop());
  let server: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    server = await startServer({ root: o.root, databaseUrl: scratch.url, dataDir: o.dataDir, env: o.env });
    o.onCleanup?.(server.stop);
    const pid = server.pid as number;
    const config = loadConfig({ DATA_DIR: o.dataDir });
    const token = await mintToken(await devAuthJwk(o.dataDir), { sub: 'bench-import', roles: ['admin'] }, {
      issuer: config.AUTH_ISSUER, audience: config.AUTH_AUDIENCE, rolesClaim: config.AUTH_ROLES_CLAIM, opdClaim: config.AUTH_OPD_CLAIM, ttlSeconds: 7200,
    });
    await new Promise((r) => setTimeout(r, 1000)); // let startup garbage settle before the idle figure
    const idleRssMiB = await procStatus(pid, 'VmRSS');
    const startupPeakMiB = await procStatus(pid, 'VmHWM');
    // Writing 5 to clear_refs resets the peak (VmHWM) of our own child, so the upload has its own peak.
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    const size = (await stat(o.file)).size;
    const loadBefore = loadavg()[0] as number;
    const started = performance.now();
    let tracer: NodeJS.Timeout | undefined;
    if (o.trace) {
      const metricsUrl = server.metricsUrl;
      tracer = setInterval(() => {
        void Promise.all([statusFields(pid, ['VmRSS', 'RssAnon', 'RssFile']), fetch(metricsUrl).then((r) => r.text(), () => '')]).then(([m, text]) => {
          const t = ((performance.now() - started) / 1000).toFixed(1);
          process.stdout.write(`    t=${t}s rss ${m.VmRSS?.toFixed(0)} MiB (anon ${m.RssAnon?.toFixed(0)}, file ${m.RssFile?.toFixed(0)}), heap used ${metric(text, 'nodejs_heap_size_used_bytes').toFixed(0)} / total ${metric(text, 'nodejs_heap_size_total_bytes').toFixed(0)} MiB, external ${metric(text, 'nodejs_external_memory_bytes').toFixed(0)} MiB\n`);
        });
      }, 500);
    }
    let status: number;
    let body: string;
    try {
      ({ status, body } = await postFile(`${server.url}/v1/memberships/import`, { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, o.file));
    } finally {
      clearInterval(tracer);
    }
    const seconds = (performance.now() - started) / 1000;
    const peakRssMiB = await procStatus(pid, 'VmHWM');
    return {
      label: o.label, records: o.records, megabytes: size / 1024 / 1024, seconds, peakRssMiB, idleRssMiB, startupPeakMiB,
      status, body, loadBefore, loadAfter: loadavg()[0] as number,
    };
  } finally {
    await server?.stop();
    await scratch.drop();
  }
}
