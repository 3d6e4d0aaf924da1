// How much one API request may ask of the server (SPEC §9: every input has a size limit).

/** Large enough for an apply of 10,000 jobs; anything larger is refused while it streams in. */
export const MAX_API_BODY = 16 * 1024 * 1024;

/**
 * A read-only token can only plan, and a plan is read-only work anyone holding such a token (a CI
 * job on a pull request, say) can repeat at will: its requests get a smaller limit. 1 MiB holds a
 * project of a few thousand jobs.
 */
export const MAX_READ_ONLY_BODY = 1024 * 1024;

/** Calls in one tRPC batch. Pakyas's own clients never batch; a script's httpBatchLink may. */
export const MAX_BATCH_CALLS = 10;

export function bodyTooLarge(readOnly: boolean): string {
  return readOnly
    ? `the request body is larger than the ${MAX_READ_ONLY_BODY / 1024 / 1024} MiB a read-only token may send; plan a project this large with a read-write token`
    : `the request body is larger than ${MAX_API_BODY / 1024 / 1024} MiB; split the project`;
}
