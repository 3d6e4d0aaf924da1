// A module hook that writes every module Node loads to $PAKYAS_TRACE_FILE: how a test sees what
// the signal path pulls in.
import { appendFileSync } from 'node:fs';

export async function load(url, context, nextLoad) {
  if (process.env.PAKYAS_TRACE_FILE) appendFileSync(process.env.PAKYAS_TRACE_FILE, `${url}\n`);
  return nextLoad(url, context);
}
