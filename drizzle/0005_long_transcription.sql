CREATE TABLE "lecture_recordings" (
	"owner_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"position" integer NOT NULL,
	"audio_path" text NOT NULL,
	"original_filename" text,
	"content_type" text,
	"size_bytes" bigint NOT NULL,
	"checksum_sha256" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lecture_recordings_owner_id_lecture_id_position_pk" PRIMARY KEY("owner_id","lecture_id","position")
);
--> statement-breakpoint
CREATE TABLE "transcription_chunks" (
	"job_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"seq" integer NOT NULL,
	"recording" integer NOT NULL,
	"chunk_index" integer NOT NULL,
	"start_sec" double precision NOT NULL,
	"end_sec" double precision NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempt" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"result" jsonb,
	"error" text,
	"enqueued_at" timestamp with time zone,
	"next_attempt_at" timestamp with time zone,
	"lease_expires_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "transcription_chunks_job_id_seq_pk" PRIMARY KEY("job_id","seq")
);
--> statement-breakpoint
CREATE TABLE "transcription_plans" (
	"job_id" text NOT NULL,
	"owner_id" text NOT NULL,
	"lecture_id" text NOT NULL,
	"recording" integer NOT NULL,
	"audio_path" text NOT NULL,
	"size_bytes" bigint NOT NULL,
	"original_filename" text,
	"offset_sec" double precision NOT NULL,
	"duration_sec" double precision NOT NULL,
	"plan" jsonb NOT NULL,
	CONSTRAINT "transcription_plans_job_id_recording_pk" PRIMARY KEY("job_id","recording")
);
--> statement-breakpoint
ALTER TABLE "lecture_recordings" ADD CONSTRAINT "lecture_recordings_lecture_fk" FOREIGN KEY ("owner_id","lecture_id") REFERENCES "public"."lectures"("owner_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcription_chunks" ADD CONSTRAINT "transcription_chunks_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "transcription_plans" ADD CONSTRAINT "transcription_plans_job_id_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "transcription_chunks_lecture_idx" ON "transcription_chunks" USING btree ("owner_id","lecture_id");