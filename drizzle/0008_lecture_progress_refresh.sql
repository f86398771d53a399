-- Keeps lecture_progress (0007) current: at the commit of any change to a lecture's jobs or
-- transcription chunks, the lecture's row is written again from its stages' newest jobs. Facts
-- only: what they mean for progress is decided in src/domain/progress.ts.

CREATE FUNCTION pegasus_refresh_lecture_progress(p_owner text, p_lecture text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  stage record;
  stage_statuses text[] := array[]::text[];
  stage_jobs text[] := array[]::text[];
  activity timestamptz;
BEGIN
  -- A lecture being deleted takes its row with it (foreign key): nothing to do.
  PERFORM 1 FROM lectures WHERE owner_id = p_owner AND id = p_lecture FOR KEY SHARE;
  IF NOT FOUND THEN RETURN; END IF;
  -- Lock the row first, then read: each statement below sees every transaction that refreshed
  -- this lecture before, so concurrent changes (parallel chunks) never leave a stale row behind.
  INSERT INTO lecture_progress (owner_id, lecture_id, statuses, stages)
    VALUES (p_owner, p_lecture, '', '') ON CONFLICT DO NOTHING;
  PERFORM 1 FROM lecture_progress WHERE owner_id = p_owner AND lecture_id = p_lecture FOR UPDATE;

  -- Each stage's newest job (as src/db/lectures.ts latestStageJobs orders them) and its chunks.
  FOR stage IN
    SELECT x.id, x.status, x.created_at, x.updated_at, x.error, c.done, c.total
    FROM unnest(array['transcription', 'generation', 'export']) WITH ORDINALITY AS s(job_type, ord)
    LEFT JOIN LATERAL (
      SELECT j.id, j.status, j.created_at, j.updated_at, j.error FROM jobs j
      WHERE j.owner_id = p_owner AND j.lecture_id = p_lecture AND j.job_type = s.job_type
      ORDER BY j.created_at DESC, j.id DESC LIMIT 1
    ) x ON true
    LEFT JOIN LATERAL (
      SELECT (count(*) FILTER (WHERE ch.status = 'completed'))::int AS done, count(*)::int AS total
      FROM transcription_chunks ch WHERE ch.job_id = x.id
    ) c ON true
    ORDER BY s.ord
  LOOP
    IF stage.id IS NULL THEN
      stage_statuses := stage_statuses || '-'::text;
      stage_jobs := stage_jobs || 'null'::text;
    ELSE
      stage_statuses := stage_statuses || stage.status;
      -- to_json writes timestamps as ISO 8601 with their offset, whatever the session's DateStyle.
      stage_jobs := stage_jobs || json_build_array(stage.id, stage.status, stage.created_at, stage.updated_at, stage.error, stage.done, stage.total)::text;
      activity := greatest(activity, coalesce(stage.updated_at, stage.created_at));
    END IF;
  END LOOP;

  IF activity IS NULL THEN -- no job left: a missing row says "not started"
    DELETE FROM lecture_progress WHERE owner_id = p_owner AND lecture_id = p_lecture;
  ELSE
    UPDATE lecture_progress
      SET statuses = array_to_string(stage_statuses, ' '), activity_at = activity, stages = '[' || array_to_string(stage_jobs, ',') || ']'
      WHERE owner_id = p_owner AND lecture_id = p_lecture;
  END IF;
END
$$;
--> statement-breakpoint
CREATE FUNCTION pegasus_lecture_progress_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM pegasus_refresh_lecture_progress(OLD.owner_id, OLD.lecture_id);
  ELSE
    PERFORM pegasus_refresh_lecture_progress(NEW.owner_id, NEW.lecture_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Deferred to commit: by then the transaction holds every other lock it takes, so waiting for a
-- lecture's row cannot deadlock, and a batch that changes several jobs is counted whole.
CREATE CONSTRAINT TRIGGER jobs_lecture_progress
  AFTER INSERT OR DELETE OR UPDATE OF status, error, created_at, updated_at ON jobs
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pegasus_lecture_progress_changed();
--> statement-breakpoint
CREATE CONSTRAINT TRIGGER transcription_chunks_lecture_progress
  AFTER INSERT OR DELETE ON transcription_chunks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION pegasus_lecture_progress_changed();
--> statement-breakpoint
-- Only a chunk that becomes (or stops being) completed changes the counts.
CREATE CONSTRAINT TRIGGER transcription_chunks_completed_lecture_progress
  AFTER UPDATE OF status ON transcription_chunks
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN ((OLD.status = 'completed') IS DISTINCT FROM (NEW.status = 'completed'))
  EXECUTE FUNCTION pegasus_lecture_progress_changed();
--> statement-breakpoint
SELECT pegasus_refresh_lecture_progress(l.owner_id, l.id) FROM lectures l
WHERE EXISTS (SELECT 1 FROM jobs j WHERE j.owner_id = l.owner_id AND j.lecture_id = l.id);
