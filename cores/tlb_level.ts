// One level of a core's simulated TLB (the L1 iTLB, the L1 dTLB or the STLB): sets x ways
// of entries tagged by virtual page number and ASID, with the G bit (a global entry matches
// every ASID). Typed arrays, no allocation after construction.
//
// Replacement: FIFO per set (a fill takes the set's first invalid way, else the way the
// set's pointer names, and the pointer advances). FIFO needs no update on a hit, so the host
// lookup array in front of the L1 TLBs (cores/tlb.ts) can serve hits without telling this
// level, and the counts stay exact for the geometry: a loop over more pages than a fully
// associative level holds misses on every page, as LRU would.

export class TlbLevel {
  readonly sets: number;
  readonly ways: number;
  private readonly setMask: number;
  /** Per entry: virtual page number; its ASID (-1: invalid); global; physical page; PTE_* permission bits. */
  readonly vpn: Float64Array;
  readonly asid: Int32Array;
  readonly global: Uint8Array;
  readonly ppn: Float64Array;
  readonly perm: Uint8Array;
  /** Per set: the next way FIFO replaces, and how many ways are valid (a full set skips the search for a free way). */
  private readonly next: Uint8Array;
  private readonly valid: Uint8Array;
  /** The entry the last insert() replaced: valid, its vpn, ASID and G. */
  evictedValid = false;
  evictedVpn = 0;
  evictedAsid = 0;
  evictedGlobal = false;
  /** Hits seen by this level (for an L1: only those the host array missed, cores/tlb.ts), misses. */
  hits = 0;
  misses = 0;

  constructor(entries: number, ways: number) {
    if (entries % ways !== 0) throw new Error(`BUG: TLB of ${entries} entries in ${ways} ways`);
    this.ways = ways;
    this.sets = entries / ways;
    if ((this.sets & (this.sets - 1)) !== 0) throw new Error(`BUG: TLB with ${this.sets} sets`);
    this.setMask = this.sets - 1;
    this.vpn = new Float64Array(entries);
    this.asid = new Int32Array(entries).fill(-1);
    this.global = new Uint8Array(entries);
    this.ppn = new Float64Array(entries);
    this.perm = new Uint8Array(entries);
    this.next = new Uint8Array(this.sets);
    this.valid = new Uint8Array(this.sets);
  }

  /** First entry of vpn's set (vpn's low bits: exact for any integer vpn, negative ones too). */
  setBase(vpn: number): number {
    return (vpn & this.setMask) * this.ways;
  }

  /** The entry translating vpn for asid (its own or a global one), or -1. */
  find(vpn: number, asid: number): number {
    const b = (vpn & this.setMask) * this.ways, e = b + this.ways;
    const vp = this.vpn, as = this.asid;
    for (let i = b; i < e; i++) {
      if (vp[i] !== vpn) continue;
      const a = as[i];
      if (a >= 0 && (a === asid || this.global[i] !== 0)) return i;
    }
    return -1;
  }

  /** Writes entry i (an existing entry refreshed in place: no replacement). */
  set(i: number, vpn: number, asid: number, global: boolean, ppn: number, perm: number): void {
    this.vpn[i] = vpn;
    this.asid[i] = asid;
    this.global[i] = global ? 1 : 0;
    this.ppn[i] = ppn;
    this.perm[i] = perm;
  }

  /** A new entry for vpn: the victim's way (described in evicted*) is overwritten; returns its index. */
  insert(vpn: number, asid: number, global: boolean, ppn: number, perm: number): number {
    const s = vpn & this.setMask, b = s * this.ways;
    let i = -1;
    if (this.valid[s] < this.ways) {
      const as = this.asid;
      for (let k = b; k < b + this.ways; k++) {
        if (as[k] < 0) {
          i = k;
          break;
        }
      }
      this.valid[s]++;
    }
    if (i < 0) {
      i = b + this.next[s];
      this.next[s] = (this.next[s] + 1) % this.ways;
      this.evictedValid = true;
      this.evictedVpn = this.vpn[i];
      this.evictedAsid = this.asid[i];
      this.evictedGlobal = this.global[i] !== 0;
    } else {
      this.evictedValid = false;
    }
    this.set(i, vpn, asid, global, ppn, perm);
    return i;
  }

  /** sfence.vma x0, x0: every entry. */
  flushAll(): void {
    this.asid.fill(-1);
    this.valid.fill(0);
  }

  private drop(i: number): void {
    this.asid[i] = -1;
    this.valid[(i / this.ways) | 0]--;
  }

  /** sfence.vma va, x0 (asid < 0): vpn in every ASID, globals too; sfence.vma va, asid: vpn of that ASID, not globals. */
  flushPage(vpn: number, asid: number): void {
    const b = this.setBase(vpn);
    for (let i = b; i < b + this.ways; i++) {
      if (this.asid[i] < 0 || this.vpn[i] !== vpn) continue;
      if (asid < 0 || (this.asid[i] === asid && this.global[i] === 0)) this.drop(i);
    }
  }

  /** sfence.vma x0, asid: every non-global entry of asid. */
  flushAsid(asid: number): void {
    for (let i = 0; i < this.asid.length; i++) if (this.asid[i] === asid && this.global[i] === 0) this.drop(i);
  }

  /** Valid entries (for tests and inspection). */
  validCount(): number {
    let n = 0;
    for (let i = 0; i < this.asid.length; i++) if (this.asid[i] >= 0) n++;
    return n;
  }
}
