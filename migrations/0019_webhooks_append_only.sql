-- The outbox and the delivery attempts are history: never changed or removed.
DROP TRIGGER IF EXISTS webhook_events_append_only ON webhook_events;
--> statement-breakpoint
CREATE TRIGGER webhook_events_append_only BEFORE UPDATE OR DELETE ON webhook_events
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS webhook_deliveries_append_only ON webhook_deliveries;
--> statement-breakpoint
CREATE TRIGGER webhook_deliveries_append_only BEFORE UPDATE OR DELETE ON webhook_deliveries
  FOR EACH ROW EXECUTE FUNCTION gerbang_refuse_change();
--> statement-breakpoint
GRANT SELECT, INSERT, UPDATE ON webhooks TO gerbang_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON webhook_events, webhook_deliveries TO gerbang_app;
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS webhooks_active_idx ON webhooks (opd_code) WHERE deleted_at IS NULL AND disabled_at IS NULL;
