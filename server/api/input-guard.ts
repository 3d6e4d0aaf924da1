// What every API input is checked for before a procedure's schema sees it: things no schema
// should have to meet. Postgres cannot store NUL in text (it answers with an error of its own, which
// would surface as a 500), and nesting thousands of levels deep costs every recursive walker its
// stack and time.
import { formatPath, type PathSegment } from '../../schema/errors.js';

/** The deepest an API input may nest; the deepest real one (a channel's list setting in an apply) is 6. */
export const MAX_INPUT_DEPTH = 64;

type Container = Record<string, unknown> | unknown[];

/** One container being walked: its keys (null for an array), the next entry, and its key in its parent. */
interface Frame { value: Container; keys: string[] | null; next: number; key: PathSegment }

/**
 * The first thing wrong with a raw API input, as a sentence, or null. Linear in the input's size;
 * depth first with a stack of at most MAX_INPUT_DEPTH frames, never recursion on what is being
 * guarded against, and the stack is the path to name in the sentence.
 */
export function inputProblem(input: unknown): string | null {
  if (typeof input === 'string') return input.includes('\u0000') ? nulProblem('the input') : null;
  if (!isContainer(input)) return null;
  const stack: Frame[] = [frame(input, '')];
  const pathTo = (key?: PathSegment) => formatPath([...stack.slice(1).map((f) => f.key), ...(key === undefined ? [] : [key])]);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const { value, keys } = top;
    if (top.next >= (keys ? keys.length : (value as unknown[]).length)) {
      stack.pop();
      continue;
    }
    const i = top.next++;
    const key: PathSegment = keys ? keys[i]! : i;
    if (typeof key === 'string' && key.includes('\u0000')) return nulProblem(`a key in ${pathTo() || 'the input'}`);
    const child = keys ? (value as Record<string, unknown>)[key] : (value as unknown[])[i];
    if (typeof child === 'string') {
      if (child.includes('\u0000')) return nulProblem(pathTo(key));
    } else if (isContainer(child)) {
      if (stack.length >= MAX_INPUT_DEPTH) return `the input is nested more than ${MAX_INPUT_DEPTH} levels deep; no Pakyas call needs more than a few`;
      stack.push(frame(child, key));
    }
  }
  return null;
}

function isContainer(v: unknown): v is Container {
  return v !== null && typeof v === 'object';
}

function frame(value: Container, key: PathSegment): Frame {
  return { value, keys: Array.isArray(value) ? null : Object.keys(value), next: 0, key };
}

function nulProblem(where: string): string {
  return `${where} contains a NUL character (\\u0000), which Pakyas cannot store`;
}
