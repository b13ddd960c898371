-- Imports at the speed of the database (issue 10 item 5). Every imported record writes a history
-- row, and two things made that row cost almost twice what its data does (a 1,000,000-row
-- INSERT ... SELECT in psql: 4.3-5.6 s as before, 2.8-3.2 s as after):
-- * two indexes, the key by id and one by NIK. Every read asks by NIK, in the order written, so the
--   key becomes (nik, id): one index, which serves those reads in their order.
-- * the stored generated column `coverage`, worked out from four fields of the JSON record on every
--   insert. Only a roster's coverage history reads it (a few rows per worker), so it is worked out
--   there, by the same expression (historyCoverage in src/db/schema/membership-history.ts).
-- id stays, from its sequence: unique on its own, and the order of writing among a NIK's rows.
ALTER TABLE "membership_history" DROP CONSTRAINT "membership_history_pkey";--> statement-breakpoint
ALTER TABLE "membership_history" ADD CONSTRAINT "membership_history_pkey" PRIMARY KEY("nik","id");--> statement-breakpoint
DROP INDEX "membership_history_nik_idx";--> statement-breakpoint
ALTER TABLE "membership_history" DROP COLUMN "coverage";
