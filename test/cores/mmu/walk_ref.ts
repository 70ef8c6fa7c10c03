// An independent reference for the page walker: the privileged spec's algorithm (1.12 §4.3.2,
// with the reserved-encoding rule of step 3 covering N, PBMT, bits 60:54 and D/A/U on a
// pointer) written straight in BigInt over a BigUint64Array copy of RAM. Slow and plain on
// purpose: nothing is shared with cores/mmu/walk.ts.

export const R_LOAD = 'load', R_STORE = 'store', R_FETCH = 'fetch';
export type RefAcc = typeof R_LOAD | typeof R_STORE | typeof R_FETCH;

export interface RefCtx {
  mem: BigUint64Array; // RAM as 64-bit words
  memBase: bigint;
  satp: bigint;
  user: boolean; // U-mode (else S-mode)
  sum: boolean;
  mxr: boolean;
  svade: boolean;
}

export interface RefResult {
  cause: number; // 0: translated
  pa: bigint;
  level: number;
  pte: bigint; // the leaf after the A/D update
  global: boolean;
}

const bit = (x: bigint, n: number) => ((x >> BigInt(n)) & 1n) === 1n;

export function refWalk(c: RefCtx, va: bigint, acc: RefAcc): RefResult {
  const pf = acc === R_FETCH ? 12 : acc === R_STORE ? 15 : 13;
  const af = acc === R_FETCH ? 1 : acc === R_STORE ? 7 : 5;
  const fail = (cause: number): RefResult => ({ cause, pa: 0n, level: -1, pte: 0n, global: false });
  va = BigInt.asUintN(64, va);
  const mode = c.satp >> 60n;
  const levels = mode === 8n ? 3 : mode === 9n ? 4 : 0;
  if (levels === 0) throw new Error('reference: Sv39 and Sv48 only');
  const vaBits = 12 + 9 * levels;
  const upper = va >> BigInt(vaBits - 1); // bits 63..vaBits-1 must all be equal
  if (upper !== 0n && upper !== (1n << BigInt(64 - vaBits + 1)) - 1n) return fail(pf);
  const vpn = (i: number) => (va >> BigInt(12 + 9 * i)) & 511n;
  const memEnd = c.memBase + BigInt(c.mem.length * 8);
  let a = (c.satp & ((1n << 44n) - 1n)) * 4096n;
  let i = levels - 1;
  let global = false;
  for (;;) {
    const pteAddr = a + vpn(i) * 8n;
    if (pteAddr < c.memBase || pteAddr + 8n > memEnd) return fail(af);
    const w = Number((pteAddr - c.memBase) / 8n);
    let pte = c.mem[w]!;
    const v = bit(pte, 0), r = bit(pte, 1), wr = bit(pte, 2), x = bit(pte, 3), u = bit(pte, 4);
    if (!v || (!r && wr) || pte >> 54n !== 0n) return fail(pf);
    if (bit(pte, 5)) global = true;
    if (!r && !x) {
      if (bit(pte, 6) || bit(pte, 7) || u) return fail(pf);
      i--;
      if (i < 0) return fail(pf);
      a = ((pte >> 10n) & ((1n << 44n) - 1n)) * 4096n;
      continue;
    }
    // step 5
    if (acc === R_FETCH) {
      if (!x) return fail(pf);
      if (c.user ? !u : u) return fail(pf);
    } else {
      if (acc === R_STORE ? !wr : !(r || (c.mxr && x))) return fail(pf);
      if (c.user ? !u : u && !c.sum) return fail(pf);
    }
    // step 6
    const ppn = (pte >> 10n) & ((1n << 44n) - 1n);
    const lowMask = (1n << BigInt(9 * i)) - 1n;
    if (i > 0 && (ppn & lowMask) !== 0n) return fail(pf);
    // step 7
    if (!bit(pte, 6) || (acc === R_STORE && !bit(pte, 7))) {
      if (c.svade) return fail(pf);
      pte |= 1n << 6n;
      if (acc === R_STORE) pte |= 1n << 7n;
      c.mem[w] = pte;
    }
    // step 8
    const vpnAll = va >> 12n;
    const pagePpn = (ppn & ~lowMask) | (vpnAll & lowMask);
    return { cause: 0, pa: pagePpn * 4096n + (va & 4095n), level: i, pte, global };
  }
}
