-- The approved total kept before a decision's audit append, not after it (issue 10: the decision's p99).
-- A decision's statement (disbursements/repository.ts decideInOneStatement) appends its audit event
-- last, under the chain head's row lock, so only the commit should follow under it: every other
-- decision waits for that lock. Migration 0033's AFTER ROW trigger ran at the end of that statement,
-- after the append, and its gerbang_stage_amount was a SQL function with a subquery, which
-- PostgreSQL cannot inline and so parsed and planned on every call (0.15 ms per decision with
-- track_functions, in `npm run bench`). The total is now kept by a BEFORE ROW trigger, which runs
-- while the statement inserts the approval, before the append, and gerbang_stage_amount is PL/pgSQL,
-- whose plan each connection keeps, and which reads the decision only for a stage without its own
-- amount.
-- A BEFORE trigger counts the row before the insert has succeeded: if the insert then fails (the
-- stage approved meanwhile), the whole statement fails and the total's change is rolled back with it.
-- An insert that skips the row instead (ON CONFLICT DO NOTHING) would still count it, so writers of
-- approved_stages must let a conflict fail (both do: decisions and overrides). For UPDATE and DELETE,
-- PostgreSQL locks the row before a BEFORE trigger runs, and does not fire it for a row already gone.
CREATE OR REPLACE FUNCTION gerbang_stage_amount(p_amount bigint, p_disbursement uuid)
RETURNS bigint LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_amount IS NOT NULL THEN
    RETURN p_amount;
  END IF;
  RETURN coalesce((SELECT d.amount FROM disbursements d WHERE d.id = p_disbursement), 0);
END;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION gerbang_keep_approved_total() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    DELETE FROM project_approved_totals;
    RETURN NULL;
  END IF;
  IF TG_OP IN ('DELETE', 'UPDATE') THEN
    UPDATE project_approved_totals SET total = total - gerbang_stage_amount(OLD.amount, OLD.disbursement_id)
      WHERE project_id = OLD.project_id;
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    INSERT INTO project_approved_totals AS t (project_id, total)
      VALUES (NEW.project_id, gerbang_stage_amount(NEW.amount, NEW.disbursement_id))
      ON CONFLICT (project_id) DO UPDATE SET total = t.total + excluded.total;
    RETURN NEW;
  END IF;
  RETURN OLD;
END;
$$;
--> statement-breakpoint
DROP TRIGGER approved_stages_total ON approved_stages;
--> statement-breakpoint
CREATE TRIGGER approved_stages_total BEFORE INSERT OR UPDATE OR DELETE ON approved_stages
  FOR EACH ROW EXECUTE FUNCTION gerbang_keep_approved_total();
