CREATE INDEX "contractors_created_idx" ON "contractors" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "projects_created_idx" ON "projects" USING btree ("created_at","id");