// RVC expansion speed: the 64K table lookup (expandCompressed) against the switch it is built
// from (expandCompressedSlow), over a fixed pseudo-random stream of parcels, plus the table's
// cost of filling all 64K entries eagerly from cold code (what an eager table would pay per worker).
//   tsx bench/rvc.ts
const t0 = performance.now();
const { expandCompressed, expandCompressedSlow } = await import('../cores/rvc.ts');
const loadMs = performance.now() - t0;

const N = 1 << 20; // the stream repeats parcels, so the lazily filled table is warm after the first pass
const stream = new Uint16Array(N);
let x = 0x12345678;
for (let i = 0; i < N; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; stream[i] = x & 0xffff; }

function time(f: (h: number) => number): number {
  let best = Infinity, sink = 0;
  for (let rep = 0; rep < 7; rep++) {
    const s = performance.now();
    for (let i = 0; i < N; i++) sink ^= f(stream[i]);
    best = Math.min(best, performance.now() - s);
  }
  if (sink === 42) console.log(''); // keep the loop live
  return (best * 1e6) / N;
}
const b0 = performance.now();
const rebuilt = new Int32Array(65536);
for (let h = 0; h < 65536; h++) rebuilt[h] = expandCompressedSlow(h);
const buildMs = performance.now() - b0;
const slow = time(expandCompressedSlow);
const table = time(expandCompressed);
console.log(JSON.stringify({ moduleLoadMs: +loadMs.toFixed(1), tableBuildMs: +buildMs.toFixed(1), switchNsPerParcel: +slow.toFixed(1), tableNsPerParcel: +table.toFixed(1) }));
