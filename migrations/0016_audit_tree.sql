CREATE TABLE "audit_tree" (
	"leaf_index" bigint PRIMARY KEY NOT NULL,
	"hashes" "bytea" NOT NULL,
	CONSTRAINT "audit_tree_hashes_chk" CHECK (octet_length("audit_tree"."hashes") between 32 and 2048 and octet_length("audit_tree"."hashes") % 32 = 0)
);
--> statement-breakpoint
CREATE TABLE "audit_cosignatures" (
	"tree_size" bigint NOT NULL,
	"witness" text NOT NULL,
	"root_hash" text NOT NULL,
	"signed_at" bigint NOT NULL,
	"signature_line" text NOT NULL,
	"received_at" timestamp (3) with time zone NOT NULL,
	CONSTRAINT "audit_cosignatures_tree_size_witness_pk" PRIMARY KEY("tree_size","witness")
);
--> statement-breakpoint
CREATE TABLE "audit_witnesses" (
	"name" text PRIMARY KEY NOT NULL,
	"key_id" text NOT NULL,
	"vkey" text NOT NULL,
	"registered_at" timestamp (3) with time zone NOT NULL,
	"registered_by" text NOT NULL,
	CONSTRAINT "audit_witnesses_vkey_unique" UNIQUE("vkey")
);
--> statement-breakpoint
ALTER TABLE "audit_cosignatures" ADD CONSTRAINT "audit_cosignatures_witness_audit_witnesses_name_fk" FOREIGN KEY ("witness") REFERENCES "public"."audit_witnesses"("name") ON DELETE no action ON UPDATE no action;