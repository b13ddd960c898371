CREATE TABLE "access_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "access_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone NOT NULL,
	"sub" text NOT NULL,
	"actor" jsonb NOT NULL,
	"route" text NOT NULL,
	"count" integer NOT NULL,
	"request_id" text
);
--> statement-breakpoint
CREATE INDEX "access_log_at_idx" ON "access_log" USING btree ("at","id");--> statement-breakpoint
CREATE INDEX "access_log_sub_idx" ON "access_log" USING btree ("sub","id");--> statement-breakpoint
-- The service appends to the access log and reads it; removing entries (retention) is the owner's job.
GRANT SELECT, INSERT ON access_log TO gerbang_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON access_log FROM gerbang_app;
