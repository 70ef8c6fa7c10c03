// program.s as the words warmup.ts runs: `npx tsx cores/warmup/assemble.ts` rewrites warmup.ts's
// WARMUP_PROGRAM after an edit of program.s (test/cores/warmup.test.ts checks that they match).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { assemble } from '../../src/asm/assembler.ts';

/** program.s assembled at address 0 (it is position-independent), as little-endian 32-bit words. */
export function programWords(): Int32Array {
  const { bytes } = assemble(readFileSync(new URL('./program.s', import.meta.url), 'utf8'), { base: 0 });
  const padded = new Uint8Array((bytes.length + 3) & ~3);
  padded.set(bytes);
  return new Int32Array(padded.buffer);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = new URL('./warmup.ts', import.meta.url);
  const words = programWords();
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 8) lines.push('  ' + [...words.slice(i, i + 8)].map((w) => `0x${(w >>> 0).toString(16).padStart(8, '0')}`).join(', ') + ',');
  const src = readFileSync(file, 'utf8').replace(/(export const WARMUP_PROGRAM = new Int32Array\(\[\n)[\s\S]*?(\n\]\);)/, (_, a: string, b: string) => `${a}${lines.join('\n')}${b}`);
  writeFileSync(file, src);
  console.log(`${words.length} words`);
}
