// A progress line on stderr for long runs (terminals only): instructions so far,
// the simulated time reached, and the guest MIPS over the last interval.

import type { MachineConfig } from '../machine/config.ts';

export class Progress {
  private last = 0;
  private lastTime = performance.now();
  private readonly start = performance.now();
  private shown = false;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly config: MachineConfig,
  ) {}

  update(p: { instructions: number; cycles: number[] }): void {
    const now = performance.now();
    if (now - this.start < 1000) return; // short runs stay quiet
    const mips = (p.instructions - this.last) / ((now - this.lastTime) / 1000) / 1e6;
    this.last = p.instructions;
    this.lastTime = now;
    const cyc = Math.max(...p.cycles);
    let line = `  ${(p.instructions / 1e6).toFixed(1)}M instructions, ${(cyc / this.config.clockHz * 1e3).toFixed(2)} ms simulated, ${mips.toFixed(1)} MIPS`;
    if (this.config.maxInsns > 0) {
      const frac = Math.min(1, p.instructions / (this.config.maxInsns * this.config.cores));
      const width = 20;
      const fill = Math.round(frac * width);
      line = `  [${'#'.repeat(fill)}${'.'.repeat(width - fill)}]` + line;
    }
    this.out.write(`\r${line}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
  }
}
