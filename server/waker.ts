// The Waker: a timer in this process for the next time something is due, on a min-heap of the
// times it was told of. pg-boss polls no faster than every 0.5 s; the Waker is what makes a
// deadline's tick, or an alert's delivery, start within milliseconds of its time. It is only ever
// an early alarm: what is due is in the database, and polling finds it without the Waker too.

/**
 * Calls `wake` at the earliest time it was told of, then at the next, and so on. One timer for the
 * earliest pending time keeps this cheap with many thousands of times; past `maxPending` it stops
 * taking more (polling still finds them).
 */
export class Waker {
  private times: number[] = []; // a min-heap
  private readonly pending = new Set<number>(); // what the heap holds, once each
  private timer: NodeJS.Timeout | null = null;
  private armedFor = Infinity;
  private stopped = false;

  constructor(private readonly wake: () => void, private readonly maxPending = 200_000) {}

  at(time: number): void {
    if (this.stopped || this.pending.has(time)) return;
    if (this.times.length >= this.maxPending) return; // polling still finds it
    push(this.times, time);
    this.pending.add(time);
    if (time < this.armedFor) this.arm();
  }

  /** Whether a committed tick at `time` is still to come (the waker is told of ticks after commit). */
  has(time: number): boolean {
    return this.pending.has(time);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const next = this.times[0];
    if (next === undefined) { this.armedFor = Infinity; this.timer = null; return; }
    this.armedFor = next;
    // A few ms late rather than early: pg-boss compares start_after with the database's clock.
    this.timer = setTimeout(() => this.fire(), Math.max(0, next - Date.now() + 5));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = null;
    const now = Date.now();
    let due = false;
    while (this.times.length > 0 && this.times[0]! <= now) { this.pending.delete(this.times[0]!); pop(this.times); due = true; }
    if (due) this.wake();
    this.arm();
  }
}

function push(heap: number[], v: number): void {
  heap.push(v);
  let i = heap.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (heap[p]! <= heap[i]!) break;
    [heap[p], heap[i]] = [heap[i]!, heap[p]!];
    i = p;
  }
}

function pop(heap: number[]): void {
  const last = heap.pop()!;
  if (heap.length === 0) return;
  heap[0] = last;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && heap[l]! < heap[m]!) m = l;
    if (r < heap.length && heap[r]! < heap[m]!) m = r;
    if (m === i) break;
    [heap[m], heap[i]] = [heap[i]!, heap[m]!];
    i = m;
  }
}

