import { sql } from 'drizzle-orm';
import { bigint, check, customType, pgTable } from 'drizzle-orm/pg-core';

export const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

/**
 * The audit log's Merkle tree (RFC 9162), one row per leaf, appended with each event in its
 * transaction. `hashes` holds the leaf hash and then the hash of every perfect subtree this leaf
 * completes, 32 bytes per level (src/audit/merkle.ts explains the layout). Append-only: a trigger
 * refuses UPDATE, DELETE and TRUNCATE, so a root once signed never changes.
 */
export const auditTree = pgTable(
  'audit_tree',
  {
    leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
    hashes: bytea('hashes').notNull(),
  },
  (t) => [check('audit_tree_hashes_chk', sql`octet_length(${t.hashes}) between 32 and 2048 and octet_length(${t.hashes}) % 32 = 0`)],
);
