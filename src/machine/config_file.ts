// A machine configuration read from JSON (--config FILE): the shape of MachineConfig, every
// field optional. Anything else (not an object, an unknown or misspelled key, a value of the
// wrong type) is a ConfigError with one line naming the key; the values themselves are
// checked by makeConfig's validate() once defaults and command-line options are merged in.

import type { MachineConfig } from '../../shared/config.ts';
import { ConfigError } from './config.ts';

type Kind = 'number' | 'string' | 'boolean' | 'level' | 'caches' | 'tlb' | 'tlbLevel' | 'nic' | 'numbers';

const TOP: Record<keyof MachineConfig, Kind> = {
  cores: 'number',
  threads: 'number',
  ramBytes: 'number',
  ramBase: 'number',
  quantum: 'number',
  adaptiveQuantum: 'boolean',
  interleave: 'number',
  adaptiveInterleave: 'boolean',
  memory: 'string',
  boot: 'string',
  engine: 'string',
  mmu: 'string',
  maxInsns: 'number',
  stackBytes: 'number',
  clockHz: 'number',
  timebaseHz: 'number',
  flatLatency: 'number',
  caches: 'caches',
  checkInvariants: 'boolean',
  mutation: 'string',
  lrscHoldCycles: 'number',
  tlb: 'tlb',
  nic: 'nic',
  hz: 'number',
};

const NIC: Record<keyof MachineConfig['nic'], Kind> = { ratePps: 'number', cpus: 'numbers', workCycles: 'number' };

const TLB: Record<keyof MachineConfig['tlb'], Kind> = { itlb: 'tlbLevel', dtlb: 'tlbLevel', stlb: 'tlbLevel', stlbLatency: 'number' };
const TLB_LEVEL: Record<'entries' | 'ways', Kind> = { entries: 'number', ways: 'number' };

const CACHES: Record<keyof MachineConfig['caches'], Kind> = {
  lineBytes: 'number',
  l1i: 'level',
  l1d: 'level',
  l2: 'level',
  l3: 'level',
  ramLatency: 'number',
  hitmLatency: 'number',
  l1WriteThrough: 'boolean',
};

const LEVEL: Record<'sizeBytes' | 'ways' | 'latency', Kind> = { sizeBytes: 'number', ways: 'number', latency: 'number' };

/** Edit distance, for "did you mean". */
function distance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0];
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const t = d[j];
      d[j] = Math.min(d[j] + 1, d[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
      prev = t;
    }
  }
  return d[b.length];
}

/** The known key closest to `key`, if it is close enough to be a typo. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const dist = distance(key, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array ${short(v)}`;
  if (typeof v === 'string') return `the string ${short(v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${short(v)}`;
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkObject(v: unknown, path: string, shape: Record<string, Kind>): void {
  if (!isObject(v)) {
    throw new ConfigError(`${path} must be an object (got ${describe(v)})`);
  }
  const known = Object.keys(shape);
  for (const [key, value] of Object.entries(v)) {
    const name = path ? `${path}.${key}` : key;
    const kind = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (kind === undefined) {
      const near = closestKey(key, known);
      throw new ConfigError(`unknown key '${name}'${near ? ` (did you mean '${path ? `${path}.` : ''}${near}'?)` : ` (known: ${known.join(', ')})`}`);
    }
    if (kind === 'caches') checkObject(value, name, CACHES);
    else if (kind === 'level') checkObject(value, name, LEVEL);
    else if (kind === 'tlb') checkObject(value, name, TLB);
    else if (kind === 'tlbLevel') checkObject(value, name, TLB_LEVEL);
    else if (kind === 'nic') checkObject(value, name, NIC);
    else if (kind === 'numbers') {
      if (!Array.isArray(value) || value.some((x) => typeof x !== 'number' || !Number.isFinite(x))) throw new ConfigError(`${name} must be a list of numbers (got ${describe(value)})`);
    }
    else if (typeof value !== kind || (kind === 'number' && !Number.isFinite(value))) {
      throw new ConfigError(`${name} must be a ${kind} (got ${describe(value)})`);
    }
  }
}

/**
 * Checks the parsed JSON of a config file and returns it as a partial MachineConfig.
 * A whole stats JSON (`--stats-json` output) is accepted too: its `config` object is used.
 * Throws ConfigError with one line; never anything else.
 */
export function configFromJson(v: unknown): Partial<MachineConfig> {
  if (!isObject(v)) {
    throw new ConfigError(`expected a JSON object such as {"cores": 4} (got ${describe(v)})`);
  }
  if (Object.hasOwn(v, 'config') && Object.hasOwn(v, 'stopReason')) return configFromJson(v.config);
  checkObject(v, '', TOP);
  return v as Partial<MachineConfig>;
}

/** Parses the text of a config file: JSON syntax errors become a ConfigError too. */
export function parseConfigText(text: string): Partial<MachineConfig> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`not valid JSON: ${String((e as Error).message).split('\n')[0]}`);
  }
  return configFromJson(v);
}

/** Keys a config file may hold, for documentation and tests. */
export const CONFIG_KEYS = { top: Object.keys(TOP), caches: Object.keys(CACHES), level: Object.keys(LEVEL), tlb: Object.keys(TLB), tlbLevel: Object.keys(TLB_LEVEL), nic: Object.keys(NIC) };

