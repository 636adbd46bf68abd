// Time for the runtime: real wall-clock time, or a paused virtual clock that
// tests move forward explicitly (like libprocess's Clock::pause/advance).
// Every timer in the runtime is created here, so pausing stops all of them.

export interface Timer {
  readonly due: number;
  cancel(): void;
}

class TimerEntry implements Timer {
  cancelled = false;
  constructor(
    readonly due: number,
    readonly seq: number,
    readonly fn: () => void,
    private readonly owner: Clock,
  ) {}

  cancel(): void {
    if (!this.cancelled) {
      this.cancelled = true;
      this.owner.onCancel();
    }
  }
}

/** Binary min-heap ordered by (due, seq). */
class TimerHeap {
  private readonly items: TimerEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): TimerEntry | undefined {
    return this.items[0];
  }

  push(entry: TimerEntry): void {
    const items = this.items;
    items.push(entry);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent] as TimerEntry;
      if (!before(entry, p)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = entry;
  }

  pop(): TimerEntry | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (top === undefined || last === undefined || items.length === 0) return top;
    let i = 0;
    const n = items.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let child = l;
      if (r < n && before(items[r] as TimerEntry, items[l] as TimerEntry)) child = r;
      const c = items[child] as TimerEntry;
      if (!before(c, last)) break;
      items[i] = c;
      i = child;
    }
    items[i] = last;
    return top;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(a: TimerEntry, b: TimerEntry): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}

export class Clock {
  private pausedAt: number | undefined;
  private readonly heap = new TimerHeap();
  private seq = 0;
  private armed: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private cancelledCount = 0;

  /** Milliseconds since the epoch: virtual while paused. */
  now(): number {
    return this.pausedAt ?? Date.now();
  }

  get paused(): boolean {
    return this.pausedAt !== undefined;
  }

  pause(): void {
    if (this.pausedAt === undefined) {
      this.pausedAt = Date.now();
      this.disarm();
    }
  }

  /** Back to real time; timers that fell due meanwhile fire promptly. */
  resume(): void {
    if (this.pausedAt !== undefined) {
      this.pausedAt = undefined;
      this.rearm();
    }
  }

  /** Moves paused time forward by `ms`, firing due timers in order. */
  advance(ms: number): void {
    if (this.pausedAt === undefined) throw new Error('Clock.advance() requires a paused clock');
    if (!(ms >= 0)) throw new Error(`Clock.advance(): bad duration ${ms}`);
    const target = this.pausedAt + ms;
    for (;;) {
      const head = this.heap.peek();
      if (head === undefined || head.due > target) break;
      this.heap.pop();
      if (head.cancelled) {
        this.cancelledCount--;
        continue;
      }
      this.pausedAt = Math.max(this.pausedAt, head.due);
      head.fn();
    }
    this.pausedAt = target;
  }

  /** Runs `fn` after `ms` milliseconds of this clock's time. */
  timer(ms: number, fn: () => void): Timer {
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0;
    const entry = new TimerEntry(this.now() + delay, this.seq++, fn, this);
    this.heap.push(entry);
    if (this.pausedAt === undefined && entry.due < this.armedFor) this.rearm();
    return entry;
  }

  /** Number of live (not cancelled, not fired) timers. */
  get pending(): number {
    return this.heap.size - this.cancelledCount;
  }

  /** Cancels everything (used when a runtime shuts down). */
  clear(): void {
    this.heap.clear();
    this.cancelledCount = 0;
    this.disarm();
  }

  /** @internal */
  onCancel(): void {
    this.cancelledCount++;
    // Compact lazily: a heap full of cancelled timers is rebuilt when it
    // dominates the live ones.
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.heap.size) this.compact();
  }

  private compact(): void {
    const live: TimerEntry[] = [];
    let entry: TimerEntry | undefined;
    while ((entry = this.heap.pop()) !== undefined) if (!entry.cancelled) live.push(entry);
    for (const e of live) this.heap.push(e);
    this.cancelledCount = 0;
  }

  private disarm(): void {
    if (this.armed !== undefined) clearTimeout(this.armed);
    this.armed = undefined;
    this.armedFor = Infinity;
  }

  private rearm(): void {
    this.disarm();
    let head = this.heap.peek();
    while (head !== undefined && head.cancelled) {
      this.heap.pop();
      this.cancelledCount--;
      head = this.heap.peek();
    }
    if (head === undefined) return;
    this.armedFor = head.due;
    this.armed = setTimeout(() => this.fireDue(), Math.max(0, head.due - Date.now()));
  }

  private fireDue(): void {
    this.armed = undefined;
    this.armedFor = Infinity;
    const now = Date.now();
    for (;;) {
      if (this.pausedAt !== undefined) return;
      const head = this.heap.peek();
      if (head === undefined || head.due > now) break;
      this.heap.pop();
      if (head.cancelled) {
        this.cancelledCount--;
        continue;
      }
      head.fn();
    }
    if (this.pausedAt === undefined) this.rearm();
  }
}
