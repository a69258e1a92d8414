CREATE TABLE "change_windows" (
	"number" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"change_type" text NOT NULL,
	"status" text NOT NULL,
	"planned_start" timestamp with time zone NOT NULL,
	"planned_end" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "freeze_windows" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"reason" text DEFAULT '' NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"service_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"ci_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "freeze_windows_name_unique" UNIQUE("name"),
	CONSTRAINT "freeze_windows_ordered" CHECK (starts_at < ends_at)
);
--> statement-breakpoint
CREATE INDEX "change_windows_period_idx" ON "change_windows" USING btree ("planned_start","planned_end");--> statement-breakpoint
CREATE INDEX "freeze_windows_period_idx" ON "freeze_windows" USING btree ("starts_at","ends_at");