-- Append-only tables: the audit log, decisions and voids are never changed or removed, by any role,
-- the owner included. CREATE OR REPLACE and DROP ... IF EXISTS keep this safe to run twice.
CREATE OR REPLACE FUNCTION gerbang_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
    USING ERRCODE = '23514', HINT = 'Append a new record instead of changing an old one.';
END;
$$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events;
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS disbursements_append_only ON disbursements;
--> statement-breakpoint
CREATE TRIGGER disbursements_append_only BEFORE UPDATE OR DELETE ON disbursements
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS disbursements_no_truncate ON disbursements;
--> statement-breakpoint
CREATE TRIGGER disbursements_no_truncate BEFORE TRUNCATE ON disbursements
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS disbursement_voids_append_only ON disbursement_voids;
--> statement-breakpoint
CREATE TRIGGER disbursement_voids_append_only BEFORE UPDATE OR DELETE ON disbursement_voids
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS disbursement_voids_no_truncate ON disbursement_voids;
--> statement-breakpoint
CREATE TRIGGER disbursement_voids_no_truncate BEFORE TRUNCATE ON disbursement_voids
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
-- The least-privilege application role: owns nothing, may not change history. Roles belong to the
-- cluster, not the database, so creation is guarded for many databases sharing one cluster.
-- Login users (with passwords) are created by the operator and granted this role.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'gerbang_app') THEN
    CREATE ROLE gerbang_app NOLOGIN;
  END IF;
EXCEPTION WHEN duplicate_object THEN NULL; -- another database's migration created it concurrently
END;
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO gerbang_app;
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO gerbang_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, disbursements, disbursement_voids FROM gerbang_app;
--> statement-breakpoint
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO gerbang_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO gerbang_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO gerbang_app;
