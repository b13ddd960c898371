-- Several coverages per NIK (contract 2.2): the key of a current record becomes (nik, coverage).
-- Existing rows keep everything: each becomes the one current record of its own coverage, and
-- every history row gains the coverage it belongs to (computed from the record it holds).
ALTER TABLE "memberships" DROP CONSTRAINT "memberships_pkey";--> statement-breakpoint
ALTER TABLE "memberships" ADD COLUMN "coverage" text GENERATED ALWAYS AS (case when not coalesce(found, true) then '' when segment = 'JAKON' then 'JAKON:' || coalesce(project_number, '')
    when segment = 'PU' then 'PU:' || coalesce(employer_npp, '') else coalesce(segment, '?') end) STORED NOT NULL;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_pkey" PRIMARY KEY("nik","coverage");--> statement-breakpoint
ALTER TABLE "membership_history" ADD COLUMN "coverage" text GENERATED ALWAYS AS (case when not coalesce((record->>'found')::boolean, true) then '' when record->>'segment' = 'JAKON' then 'JAKON:' || coalesce(record->>'projectNumber', '')
    when record->>'segment' = 'PU' then 'PU:' || coalesce(record->>'employerNpp', '') else coalesce(record->>'segment', '?') end) STORED NOT NULL;--> statement-breakpoint
CREATE INDEX "membership_history_coverage_idx" ON "membership_history" USING btree ("nik","coverage","as_of");
