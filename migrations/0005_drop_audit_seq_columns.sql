ALTER TABLE "disbursements" DROP COLUMN "audit_seq";--> statement-breakpoint
ALTER TABLE "disbursement_voids" DROP COLUMN "audit_seq";