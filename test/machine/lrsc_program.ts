// Guest programs for the LR/SC forward-progress tests (issue 7): every hart adds 1 to one
// shared counter n times with an AMO and n times with an LR/SC retry loop, then hart 0
// waits for the others and exits 0 if the counter holds the exact total, 1 if not.

import { DATA_BASE } from '../helpers/program.ts';

/** The shared counter (its own cache line) and the count of harts that finished. */
export const COUNTER = DATA_BASE;
export const DONE = DATA_BASE + 256;

export interface CounterOptions {
  /** Increments per hart with each of the two methods. */
  n: number;
  /** 'd': amoadd.d and lr.d/addi/sc.d on a 64-bit counter; 'w': amoadd.w and lr.w/addiw/sc.w on 32 bits. */
  width: 'd' | 'w';
  /** 'phases': all AMOs, then all LR/SC increments (as issue 7 reports it); 'mixed': one of each per round. */
  order?: 'phases' | 'mixed';
}

/** The counter program; the expected total is nharts * 2 * n. */
export function counterSource(o: CounterOptions): string {
  const w = o.width;
  const add = w === 'd' ? 'addi' : 'addiw';
  const load = w === 'd' ? 'ld' : 'lw';
  const amo = `li t1, 1\n  amoadd.${w} zero, t1, (s0)`;
  const lrsc = `retry:\n  lr.${w} t2, (s0)\n  ${add} t2, t2, 1\n  sc.${w} t3, t2, (s0)\n  bnez t3, retry`;
  const loop = (name: string, body: string) => `  li t0, ${o.n}\n${name}:\n  ${body}\n  addi t0, t0, -1\n  bnez t0, ${name}`;
  const body = o.order === 'mixed' ? loop('rounds', `${amo}\n  ${lrsc}`) : `${loop('amo_loop', amo)}\n${loop('lrsc_loop', lrsc)}`;
  return `
  li s0, ${COUNTER}
  li s1, ${DONE}
${body}
  li t1, 1
  amoadd.d zero, t1, (s1)
  bnez a0, leave
wait:
  ld t1, 0(s1)
  bne t1, a1, wait
  ${load} t2, 0(s0)
  li t3, ${2 * o.n}
  mul t3, t3, a1
  li a0, 0
  beq t2, t3, report
  li a0, 1
report:
  li a7, 94
  ecall
leave:
  li a0, 0
  li a7, 93
  ecall
`;
}
