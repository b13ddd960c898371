import { bigint, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Witnesses registered by an admin: C2SP verifier keys (Ed25519, cosignature/v1). */
export const auditWitnesses = pgTable('audit_witnesses', {
  name: text('name').primaryKey(),
  keyId: text('key_id').notNull(),
  vkey: text('vkey').notNull().unique(),
  registeredAt: timestamp('registered_at', { withTimezone: true, precision: 3 }).notNull(),
  registeredBy: text('registered_by').notNull(),
});

/** Verified cosignature lines, one per witness and tree size. Append-only. */
export const auditCosignatures = pgTable(
  'audit_cosignatures',
  {
    treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
    witness: text('witness').notNull().references(() => auditWitnesses.name),
    rootHash: text('root_hash').notNull(),
    signedAt: bigint('signed_at', { mode: 'number' }).notNull(),
    signatureLine: text('signature_line').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.treeSize, t.witness] })],
);
