CREATE TABLE "roster_corrections" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"assignment_id" uuid NOT NULL,
	"before" jsonb NOT NULL,
	"after" jsonb NOT NULL,
	"reason" text NOT NULL,
	"corrected_at" timestamp with time zone NOT NULL,
	"corrected_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "reported_start_date" date;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "reported_end_date" date;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "cancelled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "roster_corrections" ADD CONSTRAINT "roster_corrections_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "roster_corrections" ADD CONSTRAINT "roster_corrections_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "roster_corrections_project_idx" ON "roster_corrections" USING btree ("project_id","corrected_at");--> statement-breakpoint
CREATE INDEX "roster_corrections_at_idx" ON "roster_corrections" USING btree ("corrected_at","id");--> statement-breakpoint
-- Corrections are history: never changed or removed, like the audit log that names them.
DROP TRIGGER IF EXISTS roster_corrections_append_only ON roster_corrections;
--> statement-breakpoint
CREATE TRIGGER roster_corrections_append_only BEFORE UPDATE OR DELETE ON roster_corrections
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS roster_corrections_no_truncate ON roster_corrections;
--> statement-breakpoint
CREATE TRIGGER roster_corrections_no_truncate BEFORE TRUNCATE ON roster_corrections
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
GRANT SELECT, INSERT ON roster_corrections TO gerbang_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON roster_corrections FROM gerbang_app;
