// Where a job's page is in the web view: the server's alerts link to it, the web view routes it.
// Pure, and free of Node, so the browser bundle imports it too.

/** "/jobs/billing/nightly-backup". */
export function jobPath(project: string, job: string): string {
  return `/jobs/${encodeURIComponent(project)}/${encodeURIComponent(job)}`;
}

/** The job's page under PAKYAS_PUBLIC_URL ("https://pakyas.example.com/base" keeps its path). */
export function jobPageUrl(publicUrl: string, project: string, job: string): string {
  return `${publicUrl.replace(/\/+$/, '')}${jobPath(project, job)}`;
}

/** The project and job a path names, or null. */
export function parseJobPath(path: string): { project: string; job: string } | null {
  const m = /^\/jobs\/([^/]+)\/([^/]+)\/?$/.exec(path);
  if (!m) return null;
  try {
    return { project: decodeURIComponent(m[1]!), job: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}
