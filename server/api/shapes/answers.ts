// What every shape says when a signal cannot be taken: monitors stay code (SPEC §3), so the
// answer for an unknown job says where jobs are declared.

export function notFound(job: string): string {
  return `Not found: no job '${job.slice(0, 64)}' for this ping key; declare it under jobs: in pakyas.yaml and run pakyas apply`;
}

export function createRefused(job: string): string {
  return `Refused: Pakyas does not create jobs from signals (?create=1); declare '${job.slice(0, 64)}' under jobs: in pakyas.yaml, run pakyas apply, and drop create=1 from the URL; nothing was recorded`;
}

/** A parameter that is not read is refused, never ignored: ignored, a failure could read as success. */
export function unknownParameter(name: string, shape: string, accepted: readonly string[]): string {
  return `Unknown parameter '${name.slice(0, 40)}' for a ${shape} signal: this endpoint reads ${accepted.join(', ')}; nothing was recorded`;
}
