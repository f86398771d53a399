/** The body of a message on the jobs queue: the job row in Postgres holds everything else. */
export interface JobMessage {
  jobId: string;
  /** How many times this job was re-sent while its prerequisite stage was still pending. */
  waits?: number;
}

export function isJobMessage(body: unknown): body is JobMessage {
  return typeof body === "object" && body !== null && typeof (body as JobMessage).jobId === "string";
}
