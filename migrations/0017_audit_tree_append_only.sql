-- The Merkle tree, witnesses and cosignatures are append-only, like the log they cover: a signed
-- root must never change, and a registered witness key or stored cosignature is evidence too.
DROP TRIGGER IF EXISTS audit_tree_append_only ON audit_tree;
--> statement-breakpoint
CREATE TRIGGER audit_tree_append_only BEFORE UPDATE OR DELETE ON audit_tree
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS audit_tree_no_truncate ON audit_tree;
--> statement-breakpoint
CREATE TRIGGER audit_tree_no_truncate BEFORE TRUNCATE ON audit_tree
  FOR EACH STATEMENT EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS audit_witnesses_append_only ON audit_witnesses;
--> statement-breakpoint
CREATE TRIGGER audit_witnesses_append_only BEFORE UPDATE OR DELETE ON audit_witnesses
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS audit_cosignatures_append_only ON audit_cosignatures;
--> statement-breakpoint
CREATE TRIGGER audit_cosignatures_append_only BEFORE UPDATE OR DELETE ON audit_cosignatures
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON audit_tree, audit_witnesses, audit_cosignatures FROM gerbang_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON audit_tree, audit_witnesses, audit_cosignatures TO gerbang_app;
