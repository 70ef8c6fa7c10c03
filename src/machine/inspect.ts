// The debug view of one cache line at the end of a run: its state and bytes in
// every core's L2 (where private data lives), in L3, and in RAM. Shows that data
// really lives in the caches: a Modified line's newest bytes are in one core only.

import { CoherenceViews } from '../../shared/coherence/layout.ts';
import { STATE_MASK, STATE_NAMES } from '../../shared/coherence/mesi.ts';

export interface LineView {
  address: number;
  line: number;
  ram: string;
  l3: { present: boolean; dirty: boolean; sharers: number[]; bytes: string } ;
  cores: { core: number; state: string; bytes: string }[];
}

function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ');
}

export function inspectLine(v: CoherenceViews, ram: Uint8Array, address: number): LineView {
  const lb = v.lineBytes;
  const line = Math.floor(address / lb);
  const base = line * lb;
  const t = v.findL3(line);
  const sharers: number[] = [];
  if (t >= 0) for (let c = 0; c < v.geometry.cores; c++) if ((v.l3Sharers[t] >>> c) & 1) sharers.push(c);
  const cores = [];
  for (let c = 0; c < v.geometry.cores; c++) {
    const s = v.findL2(c, line);
    cores.push({
      core: c,
      state: s >= 0 ? STATE_NAMES[Atomics.load(v.l2State, s) & STATE_MASK] : 'I',
      bytes: s >= 0 ? hexBytes(v.l2Data.subarray(s * lb, s * lb + lb)) : '',
    });
  }
  return {
    address,
    line: base,
    ram: hexBytes(ram.subarray(base, base + lb)),
    l3: {
      present: t >= 0,
      dirty: t >= 0 && v.l3Dirty[t] !== 0,
      sharers,
      bytes: t >= 0 ? hexBytes(v.l3Data.subarray(t * lb, t * lb + lb)) : '',
    },
    cores,
  };
}

export function formatLineView(x: LineView, symbol: string): string {
  const out = [`line 0x${x.line.toString(16)}${symbol ? ` (${symbol})` : ''}, inspected at 0x${x.address.toString(16)}:`];
  for (const c of x.cores) out.push(`  core ${String(c.core).padEnd(3)} ${c.state}  ${c.bytes}`);
  out.push(`  L3       ${x.l3.present ? `${x.l3.dirty ? 'dirty' : 'clean'}, sharers {${x.l3.sharers.join(',')}}` : 'not present'}${x.l3.bytes ? `\n           ${x.l3.bytes}` : ''}`);
  out.push(`  RAM         ${x.ram}`);
  return out.join('\n') + '\n';
}

/**
 * Reads guest memory as the program would see it at the end of a run: each line from the
 * core holding it Modified if any, else from L3, else from RAM. (At a quiescent point.)
 */
export function readCoherent(v: CoherenceViews | undefined, ram: Uint8Array, addr: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  if (!v) {
    out.set(ram.subarray(addr, addr + len));
    return out;
  }
  const lb = v.lineBytes;
  for (let i = 0; i < len; ) {
    const a = addr + i;
    const line = Math.floor(a / lb);
    const off = a - line * lb;
    const n = Math.min(lb - off, len - i);
    let src: Uint8Array = ram;
    let base = line * lb;
    const t = v.findL3(line);
    if (t >= 0) {
      src = v.l3Data;
      base = t * lb;
    }
    for (let c = 0; c < v.geometry.cores; c++) {
      const s = v.findL2(c, line);
      if (s >= 0 && (Atomics.load(v.l2State, s) & STATE_MASK) === 3) {
        src = v.l2Data;
        base = s * lb;
      }
    }
    out.set(src.subarray(base + off, base + off + n), i);
    i += n;
  }
  return out;
}
