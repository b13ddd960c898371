-- What the daily forecast found and notified is history: never changed or removed.
DROP TRIGGER IF EXISTS forecast_runs_append_only ON forecast_runs;
--> statement-breakpoint
CREATE TRIGGER forecast_runs_append_only BEFORE UPDATE OR DELETE ON forecast_runs
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS forecast_at_risk_append_only ON forecast_at_risk;
--> statement-breakpoint
CREATE TRIGGER forecast_at_risk_append_only BEFORE UPDATE OR DELETE ON forecast_at_risk
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
GRANT SELECT, INSERT ON forecast_runs, forecast_at_risk TO gerbang_app;
