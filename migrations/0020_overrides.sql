CREATE TABLE "override_decisions" (
	"request_id" uuid PRIMARY KEY NOT NULL,
	"requested_by" text NOT NULL,
	"state" text NOT NULL,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"note" text NOT NULL,
	"disbursement_id" uuid,
	CONSTRAINT "override_decisions_other_person" CHECK ("override_decisions"."decided_by" <> "override_decisions"."requested_by"),
	CONSTRAINT "override_decisions_state" CHECK ("override_decisions"."state" in ('APPROVED', 'REJECTED')),
	CONSTRAINT "override_decisions_approval_has_decision" CHECK (("override_decisions"."state" = 'APPROVED') = ("override_decisions"."disbursement_id" is not null))
);
--> statement-breakpoint
CREATE TABLE "override_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"reason" text NOT NULL,
	"evidence_ref" text,
	"requested_by" text NOT NULL,
	"requested_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"follows" uuid,
	CONSTRAINT "override_requests_follows_key" UNIQUE("follows"),
	CONSTRAINT "override_requests_id_disbursement_key" UNIQUE("id","disbursement_id"),
	CONSTRAINT "override_requests_id_requested_by_key" UNIQUE("id","requested_by")
);
--> statement-breakpoint
ALTER TABLE "disbursements" ADD COLUMN "overridden_from" uuid;--> statement-breakpoint
ALTER TABLE "override_decisions" ADD CONSTRAINT "override_decisions_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "override_decisions" ADD CONSTRAINT "override_decisions_request_fk" FOREIGN KEY ("request_id","requested_by") REFERENCES "public"."override_requests"("id","requested_by") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "override_requests" ADD CONSTRAINT "override_requests_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "override_requests" ADD CONSTRAINT "override_requests_follows_override_requests_id_fk" FOREIGN KEY ("follows") REFERENCES "public"."override_requests"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "override_requests" ADD CONSTRAINT "override_requests_follows_same_decision" FOREIGN KEY ("follows","disbursement_id") REFERENCES "public"."override_requests"("id","disbursement_id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "override_requests_disbursement_idx" ON "override_requests" USING btree ("disbursement_id");--> statement-breakpoint
CREATE UNIQUE INDEX "override_requests_first_per_decision" ON "override_requests" USING btree ("disbursement_id") WHERE "override_requests"."follows" is null;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_overridden_from_disbursements_id_fk" FOREIGN KEY ("overridden_from") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_overridden_from_unique" UNIQUE("overridden_from");