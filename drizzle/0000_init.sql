CREATE TABLE "artifacts" (
	"id" text PRIMARY KEY NOT NULL,
	"lecture_id" text NOT NULL,
	"course_id" text NOT NULL,
	"preset_id" text NOT NULL,
	"artifact_type" text NOT NULL,
	"storage_path" text NOT NULL,
	"summary_overview" text,
	"summary_section_count" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "courses" (
	"id" text PRIMARY KEY NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_dead_letters" (
	"id" text PRIMARY KEY NOT NULL,
	"job_id" text,
	"queue" text NOT NULL,
	"message" jsonb NOT NULL,
	"attempts" integer NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"lecture_id" text NOT NULL,
	"job_type" text NOT NULL,
	"status" text NOT NULL,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"result" jsonb,
	"error" text,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer DEFAULT 4 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"enqueued_at" timestamp with time zone,
	"replayed_from_job_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "exports" (
	"id" text PRIMARY KEY NOT NULL,
	"lecture_id" text NOT NULL,
	"export_type" text NOT NULL,
	"storage_path" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "lectures" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"preset_id" text NOT NULL,
	"title" text NOT NULL,
	"status" text NOT NULL,
	"audio_path" text,
	"transcript_path" text,
	"duration_sec" integer DEFAULT 0 NOT NULL,
	"source_type" text DEFAULT 'upload' NOT NULL,
	"original_filename" text,
	"content_type" text,
	"size_bytes" bigint,
	"checksum_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "thread_evolution_notes" (
	"thread_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"change_type" text NOT NULL,
	"note" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thread_evolution_notes_thread_id_lecture_id_pk" PRIMARY KEY("thread_id","lecture_id")
);
--> statement-breakpoint
CREATE TABLE "thread_occurrences" (
	"thread_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"course_id" text NOT NULL,
	"artifact_id" text NOT NULL,
	"evidence" text NOT NULL,
	"confidence" real NOT NULL,
	"segment_index" integer,
	"captured_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "thread_occurrences_thread_id_lecture_id_pk" PRIMARY KEY("thread_id","lecture_id")
);
--> statement-breakpoint
CREATE TABLE "threads" (
	"id" text PRIMARY KEY NOT NULL,
	"course_id" text NOT NULL,
	"title" text NOT NULL,
	"title_key" text NOT NULL,
	"summary" text NOT NULL,
	"status" text NOT NULL,
	"complexity_level" integer NOT NULL,
	"lecture_refs" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "transcript_segments" (
	"lecture_id" text NOT NULL,
	"segment_index" integer NOT NULL,
	"start_sec" double precision NOT NULL,
	"end_sec" double precision NOT NULL,
	"text" text NOT NULL,
	CONSTRAINT "transcript_segments_lecture_id_segment_index_pk" PRIMARY KEY("lecture_id","segment_index")
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD CONSTRAINT "artifacts_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "jobs" ADD CONSTRAINT "jobs_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exports" ADD CONSTRAINT "exports_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lectures" ADD CONSTRAINT "lectures_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" ADD CONSTRAINT "thread_evolution_notes_thread_id_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."threads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_evolution_notes" ADD CONSTRAINT "thread_evolution_notes_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_occurrences" ADD CONSTRAINT "thread_occurrences_thread_id_threads_id_fk" FOREIGN KEY ("thread_id") REFERENCES "public"."threads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "thread_occurrences" ADD CONSTRAINT "thread_occurrences_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "threads" ADD CONSTRAINT "threads_course_id_courses_id_fk" FOREIGN KEY ("course_id") REFERENCES "public"."courses"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcript_segments" ADD CONSTRAINT "transcript_segments_lecture_id_lectures_id_fk" FOREIGN KEY ("lecture_id") REFERENCES "public"."lectures"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_lecture_type_uq" ON "artifacts" USING btree ("lecture_id","artifact_type");--> statement-breakpoint
CREATE INDEX "courses_created_idx" ON "courses" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "job_dead_letters_job_idx" ON "job_dead_letters" USING btree ("job_id");--> statement-breakpoint
CREATE INDEX "jobs_lecture_created_idx" ON "jobs" USING btree ("lecture_id","created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_created_idx" ON "jobs" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "jobs_status_updated_idx" ON "jobs" USING btree ("status","updated_at");--> statement-breakpoint
CREATE UNIQUE INDEX "jobs_active_stage_uq" ON "jobs" USING btree ("lecture_id","job_type") WHERE status in ('queued', 'running');--> statement-breakpoint
CREATE UNIQUE INDEX "exports_lecture_type_uq" ON "exports" USING btree ("lecture_id","export_type");--> statement-breakpoint
CREATE INDEX "lectures_created_idx" ON "lectures" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "lectures_course_created_idx" ON "lectures" USING btree ("course_id","created_at","id");--> statement-breakpoint
CREATE INDEX "thread_occurrences_lecture_idx" ON "thread_occurrences" USING btree ("lecture_id");--> statement-breakpoint
CREATE INDEX "threads_course_created_idx" ON "threads" USING btree ("course_id","created_at","id");--> statement-breakpoint
CREATE UNIQUE INDEX "threads_course_title_uq" ON "threads" USING btree ("course_id","title_key");--> statement-breakpoint
CREATE INDEX "threads_lecture_refs_idx" ON "threads" USING gin ("lecture_refs");