// A mutable sum of scalar quantities for the DRF accounts (sorter totals and
// per-client allocations, the fair-share stage's budget): kept like Mesos's
// createStrippedScalarQuantity (by name, role and revocability; reservation
// and disk details dropped), with per-name sums. These accounts change on
// every allocation, where building a new Resources per change would
// dominate. Subtracting more than there is leaves zero, as Resources
// subtraction does.

import { Resources, ResourceEntry, type ResourceKind } from '../../common/resources.js';

export class ScalarQuantities {
  private readonly amounts = new Map<ResourceKind, number>();
  private sums: Float64Array = new Float64Array(8);
  private memo: Resources | undefined;

  static of(resources: Resources): ScalarQuantities {
    const out = new ScalarQuantities();
    out.add(resources);
    return out;
  }

  add(resources: Resources): void {
    for (const entry of resources.createStrippedScalarQuantity()) this.addKind(entry.kind, entry.milli);
  }

  subtract(resources: Resources): void {
    for (const entry of resources.createStrippedScalarQuantity()) this.addKind(entry.kind, -entry.milli);
  }

  /** Adds (or with a negative amount, subtracts) thousandths of one stripped kind. */
  addKind(kind: ResourceKind, milli: number): void {
    const current = this.amounts.get(kind);
    if (current === undefined && milli <= 0) return;
    const next = (current ?? 0) + milli;
    const applied = next > 0 ? milli : -(current ?? 0);
    if (next > 0) this.amounts.set(kind, next);
    else this.amounts.delete(kind);
    this.grow(kind.nameId);
    this.sums[kind.nameId] = (this.sums[kind.nameId] as number) + applied;
    this.memo = undefined;
  }

  /** Thousandths of one stripped kind (0 when absent). */
  amountOf(kind: ResourceKind): number {
    return this.amounts.get(kind) ?? 0;
  }

  /** Thousandths of a resource name across roles (0 when absent). */
  sumOf(nameId: number): number {
    return this.sums[nameId] ?? 0;
  }

  /** Per-name sums by resource name id (a copy of `width` entries). */
  row(width: number): Float64Array {
    return this.rowInto(new Float64Array(width));
  }

  /** Writes the per-name sums into `out` (zero beyond what is known) and returns it. */
  rowInto(out: Float64Array): Float64Array {
    const n = Math.min(out.length, this.sums.length);
    for (let i = 0; i < n; i++) out[i] = this.sums[i] as number;
    for (let i = n; i < out.length; i++) out[i] = 0;
    return out;
  }

  isEmpty(): boolean {
    return this.amounts.size === 0;
  }

  /** The quantities as Resources (memoized until the next change). */
  toResources(): Resources {
    if (this.memo === undefined) {
      const entries: ResourceEntry[] = [];
      for (const [kind, milli] of this.amounts) entries.push(new ResourceEntry(kind, milli, undefined, undefined, undefined));
      this.memo = Resources.fromEntries(entries);
    }
    return this.memo;
  }

  private grow(nameId: number): void {
    if (nameId < this.sums.length) return;
    const grown = new Float64Array(Math.max(nameId + 1, this.sums.length * 2));
    grown.set(this.sums);
    this.sums = grown;
  }
}
