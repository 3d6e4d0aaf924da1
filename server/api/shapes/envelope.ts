// Sentry's envelope format, read far enough to find check-ins. Pure.
//   Envelope = Headers { "\n" Item } [ "\n" ];  Item = Headers "\n" Payload
// Each Headers is one line of JSON. An item whose headers give `length` has exactly that many
// bytes of payload; without it the payload runs to the next newline (or the end).

export interface EnvelopeItem { type: string; payload: Buffer }
export interface Envelope { headers: Record<string, unknown>; items: EnvelopeItem[] }

export const MAX_ITEMS = 100;

export class EnvelopeError extends Error {}

export function parseEnvelope(data: Buffer): Envelope {
  let pos = 0;
  const line = (): Buffer => {
    const end = data.indexOf(0x0a, pos);
    const out = data.subarray(pos, end === -1 ? data.length : end);
    pos = end === -1 ? data.length : end + 1;
    return out;
  };
  const headers = json(line(), 'the envelope headers');
  const items: EnvelopeItem[] = [];
  while (pos < data.length) {
    const head = line();
    // A newline after the last item (or between items) is allowed.
    if (head.length === 0 || (head.length === 1 && head[0] === 0x0d)) continue;
    if (items.length >= MAX_ITEMS) throw new EnvelopeError(`more than ${MAX_ITEMS} items in one envelope`);
    const h = json(head, `the headers of item ${items.length + 1}`);
    const type = typeof h.type === 'string' ? h.type : '';
    if (type === '') throw new EnvelopeError(`item ${items.length + 1} has no type`);
    let payload: Buffer;
    if (h.length !== undefined && h.length !== null) {
      const length = h.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0 || pos + length > data.length) {
        throw new EnvelopeError(`item ${items.length + 1} (${type.slice(0, 30)}) says it is ${String(length).slice(0, 20)} bytes long, which the envelope does not hold`);
      }
      payload = data.subarray(pos, pos + length);
      pos += length;
      if (data[pos] === 0x0a) pos++;
    } else {
      payload = line();
    }
    items.push({ type, payload });
  }
  return { headers, items };
}

function json(bytes: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new EnvelopeError(`${what} are not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new EnvelopeError(`${what} are not a JSON object`);
  return value as Record<string, unknown>;
}
