import { sql } from 'drizzle-orm';
import { rows, type Executor } from '../db/client.ts';

export interface WitnessRow {
  name: string;
  key_id: string;
  vkey: string;
  registered_at: string;
}

const AT = (column: string) => sql.raw(`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`);

/** Inserts a witness; null when its name or key is already registered. */
export async function insertWitness(db: Executor, w: { name: string; keyId: string; vkey: string; at: string; by: string }): Promise<WitnessRow | null> {
  const [row] = await rows<WitnessRow>(db, sql`
    insert into audit_witnesses (name, key_id, vkey, registered_at, registered_by)
    values (${w.name}, ${w.keyId}, ${w.vkey}, ${w.at}, ${w.by})
    on conflict do nothing
    returning name, key_id, vkey, ${AT('registered_at')} as registered_at`);
  return row ?? null;
}

export async function findWitness(db: Executor, name: string): Promise<WitnessRow | null> {
  const [row] = await rows<WitnessRow>(db, sql`
    select name, key_id, vkey, ${AT('registered_at')} as registered_at from audit_witnesses where name = ${name}`);
  return row ?? null;
}

export interface CosignatureRow {
  tree_size: string | number;
  witness: string;
  root_hash: string;
  signed_at: string | number;
  signature_line: string;
}

/** Stores a verified cosignature; null when this witness already cosigned this size. */
export async function insertCosignature(db: Executor, c: { treeSize: number; witness: string; rootHash: string; signedAt: number; line: string; at: string }): Promise<CosignatureRow | null> {
  const [row] = await rows<CosignatureRow>(db, sql`
    insert into audit_cosignatures (tree_size, witness, root_hash, signed_at, signature_line, received_at)
    values (${c.treeSize}, ${c.witness}, ${c.rootHash}, ${c.signedAt}, ${c.line}, ${c.at})
    on conflict do nothing
    returning tree_size, witness, root_hash, signed_at, signature_line`);
  return row ?? null;
}

export async function cosignaturesAt(db: Executor, treeSize: number): Promise<CosignatureRow[]> {
  return rows<CosignatureRow>(db, sql`
    select tree_size, witness, root_hash, signed_at, signature_line from audit_cosignatures
    where tree_size = ${treeSize} order by witness`);
}

export async function latestCosignedSize(db: Executor): Promise<number | null> {
  const [row] = await rows<{ size: string | number | null }>(db, sql`select max(tree_size) as size from audit_cosignatures`);
  return row?.size === null || row?.size === undefined ? null : Number(row.size);
}
