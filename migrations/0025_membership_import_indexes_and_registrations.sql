-- Imports at the speed of the database (issue 10 item 5). The history of each imported record cost
-- three index insertions: the index by (nik, coverage, as_of) serves every read by NIK, so the one
-- by (nik, as_of) goes. The rows of NIKs BPJS said it does not know (coverage '') get a partial
-- index, so an import finds the ones it replaces without reading the whole table.
DROP INDEX "membership_history_nik_idx";--> statement-breakpoint
CREATE INDEX "memberships_unknown_idx" ON "memberships" USING btree ("nik") WHERE coverage = '';
--> statement-breakpoint
CREATE TABLE "project_registration_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"registration_number" text NOT NULL,
	"record" jsonb NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "project_registrations" ADD COLUMN "source" text DEFAULT 'upstream' NOT NULL;--> statement-breakpoint
ALTER TABLE "project_registrations" ADD COLUMN "updated_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
CREATE INDEX "project_registration_history_number_idx" ON "project_registration_history" USING btree ("registration_number","as_of");--> statement-breakpoint
-- Registrations as a snapshot (contract 2.3): imported records live beside the upstream's in
-- project_registrations, and every change is kept. The records already stored start the history.
UPDATE "project_registrations" SET "updated_at" = "verified_at";
--> statement-breakpoint
INSERT INTO "project_registration_history" ("registration_number", "record", "as_of", "source", "recorded_at")
SELECT r.registration_number,
  jsonb_build_object('projectNumber', r.registration_number, 'found', r.found, 'status', r.status,
    'contractValue', r.contract_value, 'premiumRequired', r.premium_required, 'premiumPaid', r.premium_paid,
    'workersRegistered', r.workers_registered, 'coverageStart', r.coverage_start::text, 'coverageEnd', r.coverage_end::text,
    'asOf', to_char(r.verified_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')),
  r.verified_at, 'upstream', r.verified_at
FROM "project_registrations" r ORDER BY r.registration_number;
--> statement-breakpoint
DROP TRIGGER IF EXISTS project_registration_history_append_only ON project_registration_history;
--> statement-breakpoint
CREATE TRIGGER project_registration_history_append_only BEFORE UPDATE OR DELETE ON project_registration_history
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS project_registration_history_no_truncate ON project_registration_history;
--> statement-breakpoint
CREATE TRIGGER project_registration_history_no_truncate BEFORE TRUNCATE ON project_registration_history
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON project_registration_history FROM gerbang_app;
