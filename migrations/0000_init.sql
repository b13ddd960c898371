CREATE TABLE "opds" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contractors" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"nib" text NOT NULL,
	"npwp" text NOT NULL,
	"bpjs_employer_number" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contractors_nib_unique" UNIQUE("nib")
);
--> statement-breakpoint
CREATE TABLE "projects" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"opd_code" text NOT NULL,
	"contractor_id" uuid NOT NULL,
	"funding_source" text NOT NULL,
	"fiscal_year" integer NOT NULL,
	"contract_number" text NOT NULL,
	"contract_value" bigint NOT NULL,
	"vat_percent" numeric(5, 2) DEFAULT '11' NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date NOT NULL,
	"maintenance_end_date" date,
	"bpjs_registration_number" text,
	"bpjs_premium_paid" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "projects_code_unique" UNIQUE("code"),
	CONSTRAINT "projects_bpjs_registration_number_unique" UNIQUE("bpjs_registration_number"),
	CONSTRAINT "projects_funding_source_chk" CHECK ("projects"."funding_source" in ('APBD', 'APBN', 'SWASTA')),
	CONSTRAINT "projects_dates_chk" CHECK ("projects"."end_date" >= "projects"."start_date"),
	CONSTRAINT "projects_maintenance_chk" CHECK ("projects"."maintenance_end_date" is null or "projects"."maintenance_end_date" >= "projects"."end_date"),
	CONSTRAINT "projects_money_chk" CHECK ("projects"."contract_value" between 0 and 1000000000000000 and "projects"."bpjs_premium_paid" between 0 and 1000000000000000),
	CONSTRAINT "projects_vat_chk" CHECK ("projects"."vat_percent" between 0 and 100)
);
--> statement-breakpoint
CREATE TABLE "project_registrations" (
	"registration_number" text PRIMARY KEY NOT NULL,
	"found" boolean NOT NULL,
	"status" text,
	"contract_value" bigint,
	"premium_required" bigint,
	"premium_paid" bigint,
	"workers_registered" integer,
	"coverage_start" date,
	"coverage_end" date,
	"verified_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "assignments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"nik" text NOT NULL,
	"name" text NOT NULL,
	"kpj" text,
	"role" text NOT NULL,
	"start_date" date NOT NULL,
	"end_date" date,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "assignment_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"assignment_id" uuid NOT NULL,
	"change" text NOT NULL,
	"snapshot" jsonb NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"changed_by" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"nik" text PRIMARY KEY NOT NULL,
	"found" boolean DEFAULT true NOT NULL,
	"kpj" text,
	"name" text,
	"status" text,
	"programs" text[],
	"coverage_start" date,
	"coverage_end" date,
	"segment" text,
	"project_number" text,
	"employer_npp" text,
	"as_of" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "membership_history" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"nik" text NOT NULL,
	"record" jsonb NOT NULL,
	"as_of" timestamp with time zone NOT NULL,
	"source" text NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disbursements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"project_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"amount" bigint NOT NULL,
	"request_ref" text NOT NULL,
	"value_date" date NOT NULL,
	"final" boolean NOT NULL,
	"decision" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"summary" jsonb NOT NULL,
	"policy_id" text NOT NULL,
	"policy_version" integer NOT NULL,
	"period_from" date NOT NULL,
	"period_to" date NOT NULL,
	"evidence" jsonb NOT NULL,
	"evidence_sha256" text NOT NULL,
	"requested_by" text NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"audit_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "disbursement_voids" (
	"disbursement_id" uuid PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"by" text NOT NULL,
	"reason" text NOT NULL,
	"audit_seq" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "approved_stages" (
	"project_id" uuid NOT NULL,
	"stage" text NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"value_date" date NOT NULL,
	CONSTRAINT "approved_stages_project_id_stage_pk" PRIMARY KEY("project_id","stage"),
	CONSTRAINT "approved_stages_disbursement_id_unique" UNIQUE("disbursement_id")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"sub" text NOT NULL,
	"key" text NOT NULL,
	"request_sha256" text NOT NULL,
	"disbursement_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_sub_key_pk" PRIMARY KEY("sub","key")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"actor" jsonb NOT NULL,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"data" jsonb NOT NULL,
	"request_id" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_opd_code_opds_code_fk" FOREIGN KEY ("opd_code") REFERENCES "public"."opds"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "projects" ADD CONSTRAINT "projects_contractor_id_contractors_id_fk" FOREIGN KEY ("contractor_id") REFERENCES "public"."contractors"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignments" ADD CONSTRAINT "assignments_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "assignment_history" ADD CONSTRAINT "assignment_history_assignment_id_assignments_id_fk" FOREIGN KEY ("assignment_id") REFERENCES "public"."assignments"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursements" ADD CONSTRAINT "disbursements_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "disbursement_voids" ADD CONSTRAINT "disbursement_voids_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approved_stages" ADD CONSTRAINT "approved_stages_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "approved_stages" ADD CONSTRAINT "approved_stages_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_disbursement_id_disbursements_id_fk" FOREIGN KEY ("disbursement_id") REFERENCES "public"."disbursements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "projects_opd_idx" ON "projects" USING btree ("opd_code");--> statement-breakpoint
CREATE UNIQUE INDEX "assignments_active_nik_uq" ON "assignments" USING btree ("project_id","nik") WHERE "assignments"."removed_at" is null;--> statement-breakpoint
CREATE INDEX "assignments_project_period_idx" ON "assignments" USING btree ("project_id","start_date","end_date");--> statement-breakpoint
CREATE INDEX "assignments_nik_idx" ON "assignments" USING btree ("nik");--> statement-breakpoint
CREATE INDEX "assignment_history_assignment_idx" ON "assignment_history" USING btree ("assignment_id");--> statement-breakpoint
CREATE INDEX "membership_history_nik_idx" ON "membership_history" USING btree ("nik","as_of");--> statement-breakpoint
CREATE INDEX "disbursements_project_idx" ON "disbursements" USING btree ("project_id","decided_at");--> statement-breakpoint
CREATE INDEX "disbursements_requested_by_idx" ON "disbursements" USING btree ("requested_by","decided_at");--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","seq");--> statement-breakpoint
CREATE INDEX "audit_events_entity_idx" ON "audit_events" USING btree ("entity_id","seq");