ALTER TABLE "approved_stages" ADD COLUMN "amount" bigint;--> statement-breakpoint
-- Each approval's amount, from its decision (approvals are rows of approved_stages until voided), so
-- the approved total (policy v2, change 12) sums one table instead of joining every approval to its
-- decision on each request (migration 0029).
UPDATE "approved_stages" s SET "amount" = d."amount" FROM "disbursements" d WHERE d."id" = s."disbursement_id";
