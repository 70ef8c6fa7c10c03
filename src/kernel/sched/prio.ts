// Nice levels to load weights (kernel/sched/core.c, Linux 6.1). Each nice step is ~1.25x
// ("10% effect"); sched_prio_to_wmult[i] = 2^32 / sched_prio_to_weight[i].

export const NICE_0_LOAD = 1024;
/** SCHED_IDLE tasks' weight (kernel/sched/sched.h) and its inverse. */
export const WEIGHT_IDLEPRIO = 3;
export const WMULT_IDLEPRIO = 1431655765;
export const WMULT_CONST = 0xffffffff;
export const WMULT_SHIFT = 32;

/** Index nice + 20. */
export const sched_prio_to_weight: readonly number[] = [
  /* -20 */ 88761, 71755, 56483, 46273, 36291,
  /* -15 */ 29154, 23254, 18705, 14949, 11916,
  /* -10 */ 9548, 7620, 6100, 4904, 3906,
  /*  -5 */ 3121, 2501, 1991, 1586, 1277,
  /*   0 */ 1024, 820, 655, 526, 423,
  /*   5 */ 335, 272, 215, 172, 137,
  /*  10 */ 110, 87, 70, 56, 45,
  /*  15 */ 36, 29, 23, 18, 15,
];

export const sched_prio_to_wmult: readonly number[] = [
  /* -20 */ 48388, 59856, 76040, 92818, 118348,
  /* -15 */ 147320, 184698, 229616, 287308, 360437,
  /* -10 */ 449829, 563644, 704093, 875809, 1099582,
  /*  -5 */ 1376151, 1717300, 2157191, 2708050, 3363326,
  /*   0 */ 4194304, 5237765, 6557202, 8165337, 10153587,
  /*   5 */ 12820798, 15790321, 19976592, 24970740, 31350126,
  /*  10 */ 39045157, 49367440, 61356676, 76695844, 95443717,
  /*  15 */ 119304647, 148102320, 186737708, 238609294, 286331153,
];

/** floor(a * mul / 2^shift) exactly, for whole a < 2^53, mul < 2^32, 16 <= shift <= 32
 *  (mul_u64_u32_shr without 128-bit integers: split a and mul so every product is exact). */
export function mul_u64_u32_shr(a: number, mul: number, shift: number): number {
  const ah = Math.floor(a / 4294967296);
  const al = a - ah * 4294967296;
  const mh = Math.floor(mul / 65536);
  const ml = mul - mh * 65536;
  // al * mul = (al*mh) * 2^16 + al*ml; fold the low product's high part into the high one.
  const y = al * ml;
  const yh = Math.floor(y / 65536);
  const z = al * mh + yh; // al * mul = z * 2^16 + (y mod 2^16)
  const lo = Math.floor(z / 2 ** (shift - 16));
  // ah * 2^32 * mul / 2^shift = ah * mul * 2^(32 - shift); ah * mul stays below 2^53 for a < 2^53.
  return ah * mul * 2 ** (32 - shift) + lo;
}

/** fls: 1-based index of the highest set bit of a 32-bit value, 0 for 0. */
function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}

/** __update_inv_weight: the inverse a load sum uses (WMULT_CONST / w). */
export function inv_weight_of(w: number): number {
  if (w >= WMULT_CONST) return 1;
  if (w === 0) return WMULT_CONST;
  return Math.floor(WMULT_CONST / w);
}

/**
 * __calc_delta(delta_exec, weight, lw): delta_exec * weight / lw.weight in Linux's 32-bit
 * fixed point, with lw's inverse `invWeight`. Weights are the user-visible ones (1024 = nice 0).
 */
export function __calc_delta(delta: number, weight: number, invWeight: number): number {
  let shift = WMULT_SHIFT;
  let fact = weight;
  // fact * invWeight may pass 2^32: shift it down as Linux does (fact_hi = fact >> 32).
  fact = fact * invWeight;
  const hi = Math.floor(fact / 4294967296);
  if (hi !== 0) {
    const fs = fls(hi);
    shift -= fs;
    fact = Math.floor(fact / 2 ** fs);
  }
  return mul_u64_u32_shr(delta, fact, shift);
}
