// Generated files: the pseudo filesystems mounted at /proc and /sys. A
// registry of paths to providers (a function returning the file's text when
// it is opened), symlinks (/proc/self) and per-process directories
// (/proc/[pid]/...). Other subsystems plug their views in with register():
// mm's /proc/meminfo, proc's /proc/PID/status, and so on.

export interface ProcContext {
  /** pid of the task reading (what /proc/self means). */
  self: number;
  /** pid of the /proc/[pid] directory the file sits in, if any. */
  pid?: number;
  /** Thread id of the /proc/[pid]/task/[tid] directory the file sits in, if any. */
  tid?: number;
}

export type ProcProvider = (ctx: ProcContext) => string | Uint8Array;

export type PseudoNode =
  | { type: 'dir'; ino: number; children: Map<string, PseudoNode> }
  | { type: 'file'; ino: number; mode: number; provider: ProcProvider }
  | { type: 'link'; ino: number; target: (ctx: ProcContext) => string };

/** Where a pseudo node was found; pid is bound when the path went through /proc/[pid]. */
export interface PseudoRef {
  node: PseudoNode;
  pid?: number;
  tid?: number;
  /** The mount it belongs to ('proc' or 'sys'): decides st_dev and st_blksize. */
  mount: string;
}

const PID_DIR = '[pid]';
/** The per-thread template under /proc/[pid]/task (fs/proc/base.c proc_task_lookup). */
const TID_DIR = '[tid]';

export class PseudoFs {
  private nextIno = 1;
  readonly root: PseudoNode & { type: 'dir' } = { type: 'dir', ino: this.nextIno++, children: new Map() };
  /** The pids that exist (for /proc/[pid] lookups and listings); the process layer replaces this. */
  pids: () => number[] = () => [];
  /** The thread ids of a thread group (the /proc/PID/task/TID directories). */
  tids: (pid: number) => number[] = (pid) => [pid];

  constructor() {
    this.mkdirs(['proc']);
    this.mkdirs(['sys']);
    this.registerLink('/proc/self', (ctx) => String(ctx.self));
  }

  /** Top-level directories this filesystem is mounted on (they shadow the host tree's). */
  isMount(name: string): boolean {
    return this.root.children.has(name);
  }

  /** Adds a generated file at an absolute path (under /proc or /sys; "[pid]" matches every pid, "[tid]" every thread of it). */
  register(path: string, provider: ProcProvider, mode = 0o444): void {
    const { dir, name } = this.parent(path);
    dir.children.set(name, { type: 'file', ino: this.nextIno++, mode, provider });
  }

  registerLink(path: string, target: (ctx: ProcContext) => string): void {
    const { dir, name } = this.parent(path);
    dir.children.set(name, { type: 'link', ino: this.nextIno++, target });
  }

  private parent(path: string): { dir: PseudoNode & { type: 'dir' }; name: string } {
    const comps = path.split('/').filter((c) => c !== '');
    if (comps.length < 2 || !['proc', 'sys'].includes(comps[0])) throw new Error(`pseudo file outside /proc and /sys: ${path}`);
    const name = comps.pop()!;
    return { dir: this.mkdirs(comps), name };
  }

  private mkdirs(comps: string[]): PseudoNode & { type: 'dir' } {
    let d = this.root;
    for (const c of comps) {
      let n = d.children.get(c);
      if (!n) {
        n = { type: 'dir', ino: this.nextIno++, children: new Map() };
        d.children.set(c, n);
      }
      if (n.type !== 'dir') throw new Error(`pseudo path component is not a directory: ${c}`);
      d = n;
    }
    return d;
  }

  /** The child of a pseudo directory, or undefined. */
  child(dir: PseudoRef, name: string): PseudoRef | undefined {
    if (dir.node.type !== 'dir') return undefined;
    const n = dir.node.children.get(name);
    if (n) return { node: n, pid: dir.pid, tid: dir.tid, mount: dir.mount };
    if (!/^[1-9][0-9]*$/.test(name)) return undefined;
    const tmpl = dir.node.children.get(PID_DIR);
    if (tmpl && this.pids().includes(Number(name))) return { node: tmpl, pid: Number(name), mount: dir.mount };
    const ttmpl = dir.node.children.get(TID_DIR);
    if (ttmpl && dir.pid !== undefined && this.tids(dir.pid).includes(Number(name))) return { node: ttmpl, pid: dir.pid, tid: Number(name), mount: dir.mount };
    return undefined;
  }

  /** A mount's root, for a top-level name isMount() accepted. */
  mountRoot(name: string): PseudoRef {
    return { node: this.root.children.get(name)!, mount: name };
  }

  /** Names in a pseudo directory, with their nodes, in a stable order (pids ascending first, like /proc). */
  list(dir: PseudoRef): Array<[string, PseudoRef]> {
    if (dir.node.type !== 'dir') return [];
    const out: Array<[string, PseudoRef]> = [];
    const tmpl = dir.node.children.get(PID_DIR);
    const ttmpl = dir.node.children.get(TID_DIR);
    for (const [name, node] of [...dir.node.children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (name !== PID_DIR && name !== TID_DIR) out.push([name, { node, pid: dir.pid, tid: dir.tid, mount: dir.mount }]);
    }
    if (tmpl) {
      const pids = [...this.pids()].sort((a, b) => a - b);
      out.unshift(...pids.map((p): [string, PseudoRef] => [String(p), { node: tmpl, pid: p, mount: dir.mount }]));
    }
    if (ttmpl && dir.pid !== undefined) {
      const pid = dir.pid;
      const tids = [...this.tids(pid)].sort((a, b) => a - b);
      out.unshift(...tids.map((t): [string, PseudoRef] => [String(t), { node: ttmpl, pid, tid: t, mount: dir.mount }]));
    }
    return out;
  }
}

/** "0-3" for cpus 0..n-1, as Linux's cpulist format prints a contiguous mask. */
export function cpuList(n: number): string {
  return n === 1 ? '0' : `0-${n - 1}`;
}

export interface CpuFilesOptions {
  ncpus: number;
  /** ISA string for /proc/cpuinfo, e.g. "rv64imafdc". */
  isa: string;
  /** "sv39" or "sv48". */
  mmu: string;
}

/**
 * /sys/devices/system/cpu/{online,possible,present} (drivers/base/cpu.c; glibc's
 * get_nprocs reads online) and /proc/cpuinfo as riscv Linux 6.1 prints it
 * (arch/riscv/kernel/cpu.c c_show): no uarch line because the DT's compatible
 * is plain "riscv", and the SBI reports vendor/arch/impl ids of 0.
 */
export function registerCpuFiles(fs: PseudoFs, o: CpuFilesOptions): void {
  const list = `${cpuList(o.ncpus)}\n`;
  for (const f of ['online', 'possible', 'present']) fs.register(`/sys/devices/system/cpu/${f}`, () => list);
  const isa = riscvCpuinfoIsa(o.isa);
  fs.register('/proc/cpuinfo', () => {
    let s = '';
    for (let cpu = 0; cpu < o.ncpus; cpu++) {
      s += `processor\t: ${cpu}\nhart\t\t: ${cpu}\nisa\t\t: ${isa}\nmmu\t\t: ${o.mmu}\n`;
      s += 'mvendorid\t: 0x0\nmarchid\t\t: 0x0\nmimpid\t\t: 0x0\n\n';
    }
    return s;
  });
}

/** print_isa: "rv64" then the single-letter extensions present, in Linux's canonical order "imafdqcbkjpvh". */
export function riscvCpuinfoIsa(isa: string): string {
  const m = /^rv(32|64)([a-z]*)/.exec(isa.toLowerCase());
  if (!m) throw new Error(`not a RISC-V ISA string: ${isa}`);
  const letters = m[2].replace('g', 'imafd');
  return `rv${m[1]}${[...'imafdqcbkjpvh'].filter((c) => letters.includes(c)).join('')}`;
}
