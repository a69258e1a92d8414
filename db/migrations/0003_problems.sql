CREATE SEQUENCE "public"."change_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."problem_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."service_request_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "known_errors" (
	"number" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"symptoms" text NOT NULL,
	"root_cause" text NOT NULL,
	"workaround" text NOT NULL,
	"status" text NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"search" "tsvector" GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title, '') || ' ' || coalesce(symptoms, '')), 'A') || setweight(to_tsvector('english', coalesce(workaround, '') || ' ' || coalesce(root_cause, '')), 'B')) STORED
);
--> statement-breakpoint
CREATE INDEX "known_errors_search_idx" ON "known_errors" USING gin ("search");