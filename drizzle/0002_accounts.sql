CREATE TABLE "api_keys" (
	"id" text PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"secret_hash" text NOT NULL,
	"scopes" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"owner_id" text NOT NULL,
	"key" text NOT NULL,
	"fingerprint" text NOT NULL,
	"response_status" integer,
	"response_headers" jsonb,
	"response_body" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_owner_id_key_pk" PRIMARY KEY("owner_id","key")
);
--> statement-breakpoint
CREATE TABLE "object_deletions" (
	"path" text NOT NULL,
	"not_before" timestamp with time zone DEFAULT now() NOT NULL,
	"owner_id" text,
	"lecture_id" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "object_deletions_path_not_before_pk" PRIMARY KEY("path","not_before")
);
--> statement-breakpoint
-- Rows made before accounts existed belong to the default owner, "local" (see src/auth/principal.ts).
ALTER TABLE "artifacts" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "courses" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "exports" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "lectures" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "thread_occurrences" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "threads" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD COLUMN "owner_id" text DEFAULT 'local' NOT NULL;--> statement-breakpoint
ALTER TABLE "artifacts" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "jobs" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "exports" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "lectures" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "thread_occurrences" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "threads" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "transcript_segments" ALTER COLUMN "owner_id" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "artifacts" DROP CONSTRAINT "artifacts_lecture_id_lectures_id_fk";
--> statement-breakpoint
ALTER TABLE "jobs" DROP CONSTRAINT "jobs_lecture_id_lectures_id_fk";
--> statement-breakpoint
ALTER TABLE "exports" DROP CONSTRAINT "exports_lecture_id_lectures_id_fk";
--> statement-breakpoint
ALTER TABLE "lectures" DROP CONSTRAINT "lectures_course_id_courses_id_fk";
--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" DROP CONSTRAINT "thread_evolution_notes_lecture_id_lectures_id_fk";
--> statement-breakpoint
ALTER TABLE "thread_occurrences" DROP CONSTRAINT "thread_occurrences_lecture_id_lectures_id_fk";
--> statement-breakpoint
ALTER TABLE "threads" DROP CONSTRAINT "threads_course_id_courses_id_fk";
--> statement-breakpoint
ALTER TABLE "transcript_segments" DROP CONSTRAINT "transcript_segments_lecture_id_lectures_id_fk";
--> statement-breakpoint
DROP INDEX "courses_created_idx";--> statement-breakpoint
DROP INDEX "jobs_lecture_created_idx";--> statement-breakpoint
DROP INDEX "lectures_created_idx";--> statement-breakpoint
DROP INDEX "lectures_course_created_idx";--> statement-breakpoint
DROP INDEX "threads_course_created_idx";--> statement-breakpoint
DROP INDEX "artifacts_lecture_type_uq";--> statement-breakpoint
DROP INDEX "jobs_active_stage_uq";--> statement-breakpoint
DROP INDEX "exports_lecture_type_uq";--> statement-breakpoint
DROP INDEX "thread_occurrences_lecture_idx";--> statement-breakpoint
DROP INDEX "threads_course_title_uq";--> statement-breakpoint
ALTER TABLE "transcript_segments" DROP CONSTRAINT "transcript_segments_lecture_id_segment_index_pk";--> statement-breakpoint
ALTER TABLE "artifacts" DROP CONSTRAINT "artifacts_pkey";--> statement-breakpoint
ALTER TABLE "courses" DROP CONSTRAINT "courses_pkey";--> statement-breakpoint
ALTER TABLE "exports" DROP CONSTRAINT "exports_pkey";--> statement-breakpoint
ALTER TABLE "lectures" DROP CONSTRAINT "lectures_pkey";--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_owner_id_id_pk" PRIMARY KEY("owner_id","id");--> statement-breakpoint
ALTER TABLE "courses" ADD CONSTRAINT "courses_owner_id_id_pk" PRIMARY KEY("owner_id","id");--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_owner_id_id_pk" PRIMARY KEY("owner_id","id");--> statement-breakpoint
ALTER TABLE "lectures" ADD CONSTRAINT "lectures_owner_id_id_pk" PRIMARY KEY("owner_id","id");--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD CONSTRAINT "transcript_segments_owner_id_lecture_id_segment_index_pk" PRIMARY KEY("owner_id","lecture_id","segment_index");--> statement-breakpoint
ALTER TABLE "lectures" ADD COLUMN "audio_expired_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "api_keys_secret_hash_uq" ON "api_keys" USING btree ("secret_hash");--> statement-breakpoint
CREATE INDEX "api_keys_owner_created_idx" ON "api_keys" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "idempotency_keys_expires_idx" ON "idempotency_keys" USING btree ("expires_at");--> statement-breakpoint
CREATE INDEX "object_deletions_due_idx" ON "object_deletions" USING btree ("not_before");--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lectures" ADD CONSTRAINT "lectures_course_fk" FOREIGN KEY ("owner_id","course_id") REFERENCES "public"."courses"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" ADD CONSTRAINT "thread_evolution_notes_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_occurrences" ADD CONSTRAINT "thread_occurrences_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "threads" ADD CONSTRAINT "threads_course_fk" FOREIGN KEY ("owner_id","course_id") REFERENCES "public"."courses"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD CONSTRAINT "transcript_segments_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "courses_owner_created_idx" ON "courses" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_owner_lecture_created_idx" ON "jobs" USING btree ("owner_id","lecture_id","created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_owner_created_idx" ON "jobs" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "lectures_owner_created_idx" ON "lectures" USING btree ("owner_id","created_at","id");--> statement-breakpoint
CREATE INDEX "lectures_owner_course_created_idx" ON "lectures" USING btree ("owner_id","course_id","created_at","id");--> statement-breakpoint
CREATE INDEX "threads_owner_course_created_idx" ON "threads" USING btree ("owner_id","course_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_lecture_type_uq" ON "artifacts" USING btree ("owner_id","lecture_id","artifact_type");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_active_stage_uq" ON "jobs" USING btree ("owner_id","lecture_id","job_type") WHERE status in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "exports_lecture_type_uq" ON "exports" USING btree ("owner_id","lecture_id","export_type");--> statement-breakpoint
CREATE INDEX "thread_occurrences_lecture_idx" ON "thread_occurrences" USING btree ("owner_id","lecture_id");--> statement-breakpoint
CREATE UNIQUE INDEX "threads_course_title_uq" ON "threads" USING btree ("owner_id","course_id","title_key");