// Writes data/points.bin, linear_regression's input: N (x, y) byte pairs on a noisy line,
// y = 40 + x/2 + noise, from a fixed-seed xorshift32 (the bytes never change).
// Usage: node workloads/linux/gen_points.mjs [N]   (default 65536 pairs: 128 KiB)
import { writeFileSync } from 'node:fs';

const n = Number(process.argv[2] ?? 65536);
let s = 0x2545f491;
const rnd = () => {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  return (s >>> 0) / 4294967296;
};
const out = new Uint8Array(2 * n);
for (let i = 0; i < n; i++) {
  const x = Math.floor(rnd() * 256);
  const noise = Math.floor((rnd() + rnd() + rnd() - 1.5) * 40);
  out[2 * i] = x;
  out[2 * i + 1] = Math.max(0, Math.min(255, 40 + (x >> 1) + noise));
}
writeFileSync(new URL('./data/points.bin', import.meta.url), out);
