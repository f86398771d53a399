/** The body of a message on the jobs queue: the job row in Postgres holds everything else. */
export interface JobMessage {
  jobId: string;
  /** How many times this job was re-sent while its prerequisite stage was still pending. */
  waits?: number;
  /**
   * A unit of work inside the job that is run and retried on its own (a chunk of a long
   * transcription); absent for the job itself.
   */
  unit?: number;
}

export function isJobMessage(body: unknown): body is JobMessage {
  return typeof body === "object" && body !== null && typeof (body as JobMessage).jobId === "string";
}
