-- The chain starts empty: seq 0 and the all-zero hash that the first event names as prev_hash.
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000')
ON CONFLICT (id) DO NOTHING;
--> statement-breakpoint
GRANT SELECT, UPDATE ON audit_head TO gerbang_app;
--> statement-breakpoint
REVOKE INSERT, DELETE, TRUNCATE ON audit_head FROM gerbang_app;
