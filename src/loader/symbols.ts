import type { ElfSymbol } from './elf.ts';

/** Maximum distance from a size-0 symbol (label) at which it still names an address. */
const LABEL_REACH = 4096;

const TYPE_RANK: Record<ElfSymbol['type'], number> = { other: 0, object: 1, func: 2 };

/**
 * Ordering used for both internal arrays: by value, and among symbols at the
 * same value the preferred one (func > object > other, then name) sorts LAST,
 * because lookups walk backwards from the last symbol at or below the address.
 */
function compare(a: ElfSymbol, b: ElfSymbol): number {
  return (
    a.value - b.value ||
    TYPE_RANK[a.type] - TYPE_RANK[b.type] ||
    (a.name < b.name ? 1 : a.name > b.name ? -1 : 0)
  );
}

/** Index of the last element with value <= addr, or -1. */
function lastAtOrBelow(arr: readonly ElfSymbol[], addr: number): number {
  let lo = 0;
  let hi = arr.length; // invariant: arr[<lo].value <= addr, arr[>=hi].value > addr
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid]!.value <= addr) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

export class SymbolTable {
  /** Symbols with a nonzero size, sorted (see compare). */
  private readonly sized: ElfSymbol[];
  /** maxEnd[i] = max(value + size) over sized[0..i]: bounds the backward walk. */
  private readonly maxEnd: number[];
  /** Size-0 symbols (labels), sorted (see compare). */
  private readonly labels: ElfSymbol[];
  private readonly byName = new Map<string, ElfSymbol>();

  constructor(symbols: readonly ElfSymbol[]) {
    this.sized = symbols.filter((s) => s.size > 0).sort(compare);
    this.labels = symbols.filter((s) => s.size === 0).sort(compare);
    this.maxEnd = [];
    let m = -Infinity;
    for (const s of this.sized) {
      m = Math.max(m, s.value + s.size);
      this.maxEnd.push(m);
    }
    for (const s of symbols) {
      const prev = this.byName.get(s.name);
      if (prev === undefined || TYPE_RANK[s.type] > TYPE_RANK[prev.type]) this.byName.set(s.name, s);
    }
  }

  /** Number of symbols in the table. */
  get size(): number {
    return this.sized.length + this.labels.length;
  }

  /** The symbol with this exact name (preferring func, then object), if any. */
  find(name: string): ElfSymbol | undefined {
    return this.byName.get(name);
  }

  /**
   * The symbol that names addr: one with value <= addr < value + size
   * (innermost/latest-starting if several contain it), otherwise the nearest
   * preceding size-0 symbol no more than 4 KiB below addr.
   */
  lookup(addr: number): { name: string; offset: number } | undefined {
    for (let i = lastAtOrBelow(this.sized, addr); i >= 0 && this.maxEnd[i]! > addr; i--) {
      const s = this.sized[i]!;
      if (addr < s.value + s.size) return { name: s.name, offset: addr - s.value };
    }
    const j = lastAtOrBelow(this.labels, addr);
    if (j >= 0) {
      const s = this.labels[j]!;
      if (addr - s.value < LABEL_REACH) return { name: s.name, offset: addr - s.value };
    }
    return undefined;
  }

  /** "name", "name+0x1c", or the bare address "0x80001234" when no symbol names it. */
  format(addr: number): string {
    const hit = this.lookup(addr);
    if (hit === undefined) return '0x' + addr.toString(16);
    return hit.offset === 0 ? hit.name : `${hit.name}+0x${hit.offset.toString(16)}`;
  }
}
