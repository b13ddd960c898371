// A private PostgreSQL cluster for fault drills: initdb into a temporary directory, trust auth, a
// free port on 127.0.0.1 and its unix socket inside that directory. The drills stop, crash, freeze
// and kill it, so it must never be the machine's shared cluster (5432) that other tests use.
// PostgreSQL refuses to run as root: when this process is root, every server binary runs as the
// `postgres` user (runuser) and the directory is handed to that user.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

export type StopMode = 'smart' | 'fast' | 'immediate';

export interface PrivatePostgres {
  readonly port: number;
  readonly dir: string;
  /** postgresql://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** The postmaster's pid while the cluster runs, else null. */
  postmasterPid(): number | null;
  start(): Promise<void>;
  /** `fast` rolls back open transactions and disconnects; `immediate` is a crash (recovery at next start). */
  stop(mode?: StopMode): Promise<void>;
  restart(mode?: StopMode): Promise<void>;
  /** `pg_ctl promote -w`: a standby becomes a primary (returns once it accepts writes). */
  promote(): Promise<void>;
  /** SIGSTOP to the postmaster, then to every child it has; returns the frozen pids. */
  freeze(): Promise<number[]>;
  /** SIGCONT to everything frozen. */
  thaw(): Promise<void>;
  /** pg_terminate_backend of every connection with this application_name; returns how many. */
  terminateBackends(applicationName: string): Promise<number>;
  /** One query on a short-lived admin connection (never pooled, so it survives restarts). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[], database?: string): Promise<T[]>;
  /** The last lines of the server's log, for failure messages. */
  logTail(lines?: number): string;
  /** Stops the server (immediately) and removes the directory. */
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Extra postgresql.conf settings. */
  settings?: Record<string, string | number>;
  /**
   * Make a streaming standby of this (running) cluster with pg_basebackup instead of initdb. Its
   * WAL receiver's application_name is `name` (cluster_name), for synchronous_standby_names.
   */
  standbyOf?: PrivatePostgres;
  name?: string;
}

import { freePort } from './free-port.ts';

export { freePort };

/** Directory of initdb/pg_ctl: PG_BIN_DIR, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function postgresBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(root, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'))) return dir;
  }
  throw new Error('initdb not found: install PostgreSQL server binaries or set PG_BIN_DIR');
}

/** Whether initdb can be found, so a drill can be skipped with a reason instead of failing. */
export function postgresAvailable(): boolean {
  try {
    postgresBinDir();
    return true;
  } catch {
    return false;
  }
}

interface RunAs {
  wrap(file: string, args: string[]): [string, string[]];
  uid: number | null;
  gid: number | null;
}

async function runAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return { wrap: (file, args) => [file, args], uid: null, gid: null };
  const user = process.env.PG_DRILL_USER ?? 'postgres';
  let ids: string[];
  try {
    ids = [(await run('id', ['-u', user])).stdout.trim(), (await run('id', ['-g', user])).stdout.trim()];
  } catch {
    throw new Error(`running as root: PostgreSQL needs an unprivileged user; user "${user}" does not exist (set PG_DRILL_USER)`);
  }
  return { wrap: (file, args) => ['runuser', ['-u', user, '--', file, ...args]], uid: Number(ids[0]), gid: Number(ids[1]) };
}

/** Pids whose parent is `parent`, from /proc (Linux). */
function childrenOf(parent: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command name may contain spaces and parentheses: the fields after its last ')' are fixed.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === parent) found.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

const signal = (pid: number, sig: NodeJS.Signals): void => {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
};

export async function startPrivatePostgres(options: PrivatePostgresOptions = {}): Promise<PrivatePostgres> {
  const bin = postgresBinDir();
  const as = await runAs();
  const dir = mkdtempSync(path.join(tmpdir(), 'gerbang-pg-'));
  if (as.uid !== null && as.gid !== null) chownSync(dir, as.uid, as.gid);
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'postgres.log');
  const port = await freePort();
  const exec = async (tool: string, args: string[]) => {
    const [file, argv] = as.wrap(path.join(bin, tool), args);
    try {
      return await run(file, argv, { timeout: 60_000 });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}\n${logTail(20)}`);
    }
  };
  function logTail(lines = 30): string {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  if (options.standbyOf) {
    // -R writes standby.signal and primary_conninfo; the copied postgresql.conf is the primary's,
    // so the settings below (appended last) give the standby its own port and socket directory.
    await exec('pg_basebackup', ['-D', dataDir, '-h', '127.0.0.1', '-p', String(options.standbyOf.port), '-U', 'postgres', '-R', '-X', 'stream', '--no-sync', '-c', 'fast']);
  } else {
    await exec('initdb', ['-D', dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
  }
  const settings: Record<string, string | number> = {
    listen_addresses: "'127.0.0.1'",
    port,
    unix_socket_directories: `'${dir}'`,
    max_connections: 60,
    shared_buffers: "'64MB'",
    logging_collector: 'off',
    log_min_messages: 'warning',
    // A standby (and the primary it becomes when promoted) waits for no other standby.
    ...(options.standbyOf ? { synchronous_standby_names: "''", cluster_name: `'${options.name ?? 'standby'}'` } : {}),
    ...options.settings,
  };
  appendFileSync(dataDir + '/postgresql.conf', `\n# gerbang drill\n${Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n')}\n`);

  let frozen: number[] = [];
  let running = false;
  const postmasterPid = (): number | null => {
    if (!running) return null;
    try {
      return Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    } catch {
      return null;
    }
  };
  // Should the test process die without destroy(), do not leave a postmaster behind.
  const onExit = () => {
    const pid = postmasterPid();
    if (pid) {
      for (const p of frozen) signal(p, 'SIGCONT');
      signal(pid, 'SIGQUIT');
    }
  };
  process.on('exit', onExit);

  const url = (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`;

  const cluster: PrivatePostgres = {
    port,
    dir,
    url,
    postmasterPid,
    async start() {
      await exec('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop(mode = 'fast') {
      await exec('pg_ctl', ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
      running = false;
    },
    async promote() {
      await exec('pg_ctl', ['-D', dataDir, '-w', '-t', '60', 'promote']);
    },
    async restart(mode = 'fast') {
      await cluster.stop(mode);
      await cluster.start();
    },
    async freeze() {
      const pid = postmasterPid();
      if (!pid) throw new Error('the cluster is not running');
      // The postmaster first, so it cannot fork a new backend after its children were listed.
      signal(pid, 'SIGSTOP');
      const children = childrenOf(pid);
      for (const child of children) signal(child, 'SIGSTOP');
      frozen = [pid, ...children];
      return frozen;
    },
    async thaw() {
      for (const pid of [...frozen].reverse()) signal(pid, 'SIGCONT');
      frozen = [];
    },
    async terminateBackends(applicationName) {
      const [row] = await cluster.query<{ n: string }>(
        `select count(pg_terminate_backend(pid))::text as n from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()`,
        [applicationName],
      );
      return Number(row?.n ?? 0);
    },
    async query(text, params, database) {
      const client = new pg.Client({ connectionString: url(database), application_name: 'gerbang-drill-admin', connectionTimeoutMillis: 5_000 });
      client.on('error', () => {});
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end().catch(() => {});
      }
    },
    logTail,
    async destroy() {
      await cluster.thaw();
      if (running) await cluster.stop('immediate').catch(() => {});
      process.off('exit', onExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
