// What a store hit's claim costs in V8 (an Int32Array over a SharedArrayBuffer, optimized code):
// 64 stores to one line's words, each as translated code makes it with caches
//   plain      solo: the state checked and the data written with plain accesses
//   claim      another worker may snoop: compareExchange to M|BUSY, the write, Atomics.store (M)
//   held       the claim taken once for the run (the first store), then a plain check per store
//   loadStore  Atomics.load and Atomics.store alone (no compareExchange), for scale
// Prints ns per store as JSON (benchmark.js, which repeats until the figure settles).
//   npx tsx bench/atomics_store.ts

import Benchmark from 'benchmark';
import { readFileSync } from 'node:fs';

const M = 3, E = 2, BUSY = 4, HELD = 8, HM = M | BUSY | HELD;
const st = new Int32Array(new SharedArrayBuffer(4 * 1024));
const d = new Int32Array(new SharedArrayBuffer(4 * 1024 * 16));
const N = 64;
let sink = 0;

function plain(slot: number): void {
  for (let k = 0; k < N; k++) {
    const s = st[slot];
    if (s === M || s === E) {
      if (s === E) st[slot] = M;
      d[(slot << 4) + (k & 15)] = k;
    } else sink++;
  }
}

function claim(slot: number): void {
  for (let k = 0; k < N; k++) {
    const s = st[slot];
    if ((s === M || s === E) && Atomics.compareExchange(st, slot, s, M | BUSY) === s) {
      d[(slot << 4) + (k & 15)] = k;
      Atomics.store(st, slot, M);
    } else sink++;
  }
}

function held(slot: number): void {
  for (let k = 0; k < N; k++) {
    const s = st[slot];
    if (s === HM || ((s === M || s === E) && Atomics.compareExchange(st, slot, s, HM) === s)) {
      d[(slot << 4) + (k & 15)] = k;
    } else sink++;
  }
  Atomics.store(st, slot, M);
}

function loadStore(slot: number): void {
  for (let k = 0; k < N; k++) {
    if (Atomics.load(st, slot) === M) {
      d[(slot << 4) + (k & 15)] = k;
      Atomics.store(st, slot, M);
    } else sink++;
  }
}

st.fill(M);
const results: Record<string, number> = {};
let slot = 0;
const suite = new Benchmark.Suite();
for (const [name, f] of Object.entries({ plain, claim, held, loadStore })) {
  suite.add(name, () => { f(slot); slot = (slot + 1) & 1023; });
}
suite.on('cycle', (e: Benchmark.Event) => {
  const b = e.target as Benchmark;
  results[b.name] = +((1e9 / b.hz) / N).toFixed(2);
  process.stderr.write(`  ${String(e.target)}\n`);
});
suite.on('complete', () => {
  if (sink !== 0) throw new Error('a state check failed');
  const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  process.stdout.write(JSON.stringify({ nsPerStore: results, node: process.version, loadavg }) + '\n');
});
suite.run();
