import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { openPglite, openPostgres, type Database } from './db/client.ts';
import { migratePgliteDb, migratePostgres } from './db/migrate.ts';
import { installedPgliteVersion } from './db/pglite-template.ts';
import { loggerOptions } from './http/logging.ts';
import { loadKeys } from './keys.ts';
import { laggingReads, observeAuditTreeTiles, startMetricsServer } from './ops/metrics.ts';
import { pseudonymizer } from './audit/pseudonym.ts';
import { createProvider } from './bpjs/factory.ts';
import { catchUpAuditTree } from './audit/tree-backfill.ts';
import { tilesInMemory, warmAuditTree } from './audit/tlog.ts';

async function openDatabase(config: Config, logger: pino.Logger): Promise<Database> {
  if (config.DATABASE_URL) {
    // Started during a failover (hosts answer, none writable yet): wait for the promotion, not exit.
    await migratePostgres(config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL, {
      waitForWritableMs: 60_000,
      onWait: (err) => logger.warn({ err: { message: err.message } }, 'no writable database host yet: waiting for one'),
    });
    const read = config.DATABASE_READ_URL ? { readUrl: config.DATABASE_READ_URL, onRead: (source: 'replica' | 'primary') => laggingReads.inc({ source }) } : {};
    return openPostgres({ url: config.DATABASE_URL, ...read, logger });
  }
  const database = await openPglite(config.DATA_DIR);
  if (database.origin === 'initdb') {
    const hint = 'initdb ran (about 1 GB for a few seconds); `npm run db:pglite-template` makes one';
    logger.warn({ pglite: installedPgliteVersion() }, `no initdb template for this PGlite version: ${hint}`);
  }
  await migratePgliteDb(database.client);
  if (database.origin === 'existing') return database;
  // The first start ran every migration (and initdb, without a template) in this WebAssembly
  // instance, whose memory never shrinks: a new instance on the initialised directory holds about
  // 40 MB less from then on (140 MB when initdb ran here).
  await database.close();
  logger.info({ from: database.origin }, 'embedded database initialised; reopened to release the memory its set-up used');
  return openPglite(config.DATA_DIR);
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const logger = pino(loggerOptions(config.LOG_LEVEL));
  const database = await openDatabase(config, logger);
  const keys = await loadKeys(config);
  const provider = createProvider(config, database, logger, { pseudonymize: pseudonymizer(keys.pseudonymKey) });
  const app = await buildApp({ config, database, keys, logger, provider, webhooks: { deliver: true } });
  const metrics = await startMetricsServer(config, logger);

  // In-flight decisions may wait for the upstream up to BPJS_DEADLINE_MS; give them that and 2 s more.
  const graceMs = config.BPJS_DEADLINE_MS + 2_000;
  let stopping = false;
  closeWithGrace({ delay: graceMs + 1_000, logger }, async ({ err, signal }) => {
    stopping = true;
    if (err) logger.error({ err }, 'shutting down after an error');
    else logger.info({ signal }, 'shutting down: finishing in-flight requests');
    await app.close();
    await metrics.close();
    await database.close();
  });

  await app.listen({ port: config.PORT, host: config.HOST });
  // The Merkle tree's catch-up (an upgraded or restored log) runs behind the listening server:
  // decisions go on, proofs of sizes it has not reached answer 503 with Retry-After until it is done.
  // Then the newest part of the tree is loaded into memory, so proofs need no query (tlog.ts).
  observeAuditTreeTiles(() => tilesInMemory(database.db));
  catchUpAuditTree(database.db, logger)
    .catch((err: unknown) => logger.error({ err }, 'audit tree: the catch-up stopped; it resumes at the next start'))
    .then(() => warmAuditTree(database.db))
    .then(({ tiles, seconds }) => logger.info({ tiles, seconds }, 'audit tree: tiles loaded into memory for proofs'))
    .catch((err: unknown) => {
      // Stopping while the tiles load (the database closes under it) is no news.
      if (!stopping) logger.warn({ err }, 'audit tree: loading tiles into memory stopped; proofs read the database');
    });
  const base = `http://localhost:${config.PORT}`;
  logger.info(
    {
      database: database.kind === 'pg' ? `postgresql at ${database.status().host ?? 'no host yet'}` : `embedded PGlite in ${config.DATA_DIR}`,
      docs: `${base}/docs`,
      metrics: `http://localhost:${config.METRICS_PORT}/metrics`,
    },
    `Gerbang is listening on ${base}; API docs at ${base}/docs`,
  );
  const devKeys = !config.AUTH_JWKS_URL && !config.AUTH_JWKS_FILE;
  if (devKeys) logger.info('development keys in use: mint a token with `npm run -s token -- --role admin` (see README)');
  // A person starting the service reads this, not the JSON lines: plain text on stderr, so log
  // collectors reading stdout still see JSON only.
  process.stderr.write(startupBanner(config, base, database.kind === 'pg' ? 'PostgreSQL' : `embedded PGlite in ${config.DATA_DIR}`, devKeys));
}

function startupBanner(config: Config, base: string, databaseText: string, devKeys: boolean): string {
  const lines = [
    '',
    `Gerbang is listening on ${base}`,
    `  API docs (Swagger UI):  ${base}/docs`,
    `  OpenAPI document:       ${base}/openapi.json`,
    `  metrics:                http://${config.METRICS_HOST}:${config.METRICS_PORT}/metrics`,
    `  database:               ${databaseText}`,
    devKeys
      ? '  a token:                npm run -s token -- --role admin   (development keys; --help for more)'
      : `  tokens:                 from your identity provider (issuer ${config.AUTH_ISSUER}, audience ${config.AUTH_AUDIENCE})`,
    '',
  ];
  return `${lines.join('\n')}\n`;
}

main().catch((err: unknown) => {
  process.stderr.write(`Gerbang failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
