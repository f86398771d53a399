/** Relative links a client follows from a lecture payload. */
export function lectureLinks(lectureId: string) {
  const base = `/lectures/${encodeURIComponent(lectureId)}`;
  return { summary: `${base}/summary`, progress: `${base}/progress`, artifacts: `${base}/artifacts`, jobs: `${base}/jobs` };
}

export function exportLinkTemplate(lectureId: string) {
  return `/exports/${encodeURIComponent(lectureId)}/{export_type}`;
}
