CREATE TABLE "forecast_at_risk" (
	"day" date NOT NULL,
	"project_id" uuid NOT NULL,
	"blocked_from" date NOT NULL,
	"reasons" jsonb NOT NULL,
	"opd_code" text NOT NULL,
	CONSTRAINT "forecast_at_risk_day_project_id_pk" PRIMARY KEY("day","project_id")
);
--> statement-breakpoint
CREATE TABLE "forecast_runs" (
	"day" date PRIMARY KEY NOT NULL,
	"ran_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "forecast_at_risk" ADD CONSTRAINT "forecast_at_risk_day_forecast_runs_day_fk" FOREIGN KEY ("day") REFERENCES "public"."forecast_runs"("day") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "forecast_at_risk" ADD CONSTRAINT "forecast_at_risk_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;