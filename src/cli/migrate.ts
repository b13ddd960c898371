// npm run db:migrate: applies pending migrations (MIGRATION_DATABASE_URL, else DATABASE_URL, else PGlite in DATA_DIR).
import { loadConfig } from '../config.ts';
import { openPglite } from '../db/client.ts';
import { migratePgliteDb, migratePostgres } from '../db/migrate.ts';

const config = loadConfig();
const url = config.MIGRATION_DATABASE_URL ?? config.DATABASE_URL;
if (url) {
  await migratePostgres(url);
  process.stdout.write('migrations applied to PostgreSQL\n');
} else {
  const database = await openPglite(config.DATA_DIR);
  await migratePgliteDb(database.client);
  await database.close();
  process.stdout.write(`migrations applied to the embedded database in ${config.DATA_DIR}\n`);
}
