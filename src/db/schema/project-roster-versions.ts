import { bigint, pgTable, uuid } from 'drizzle-orm/pg-core';
import { projects } from './projects.ts';

/**
 * A counter per project that triggers bump in the same transaction as any change to its
 * assignments or to the memberships of its workers' NIKs. The gate caches each project's loaded
 * roster and memberships under this version, so a decision does not re-load 1,000 rows. A project
 * without a row has version 0.
 */
export const projectRosterVersions = pgTable('project_roster_versions', {
  projectId: uuid('project_id').primaryKey().references(() => projects.id),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
});
