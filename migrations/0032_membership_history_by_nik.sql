-- Imports at the speed of the database (issue 10 item 5). Every read of membership_history asks by
-- NIK (a search, a roster's coverage history) and sorts the few rows it finds, so the index needs
-- the NIK alone: a key a third as wide, deduplicated (a NIK's versions share one entry), and about a
-- tenth less of the database's work on a 1,000,000-record import (one history row per record).
CREATE INDEX "membership_history_nik_idx" ON "membership_history" USING btree ("nik");--> statement-breakpoint
DROP INDEX "membership_history_coverage_idx";
