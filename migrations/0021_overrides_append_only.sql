-- Override requests and their answers are history: never changed or removed (states are rows).
DROP TRIGGER IF EXISTS override_requests_append_only ON override_requests;
--> statement-breakpoint
CREATE TRIGGER override_requests_append_only BEFORE UPDATE OR DELETE ON override_requests
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS override_decisions_append_only ON override_decisions;
--> statement-breakpoint
CREATE TRIGGER override_decisions_append_only BEFORE UPDATE OR DELETE ON override_decisions
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
GRANT SELECT, INSERT ON override_requests, override_decisions TO gerbang_app;
