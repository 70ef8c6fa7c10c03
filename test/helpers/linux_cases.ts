// The Linux guest programs' recorded runs (workloads/linux/cases.txt): which program, with which
// environment and arguments, and what qemu-riscv64 printed (expected/ID.stdout, expected/ID.status).
// Every run has cwd workloads/linux/data and an environment of exactly the case's KEY=VALUE words.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const linuxDir = fileURLToPath(new URL('../../workloads/linux/', import.meta.url));
export const linuxDataDir = `${linuxDir}data`;
export const linuxBin = (program: string): string => `${linuxDir}bin/${program}`;

export interface LinuxCase {
  id: string;
  program: string;
  env: Record<string, string>;
  args: string[];
  expectedStdout: Buffer;
  /** The exit status as a shell reports it: 128 + N for a death by signal N. */
  expectedStatus: number;
}

export function linuxCases(): LinuxCase[] {
  const lines = readFileSync(`${linuxDir}cases.txt`, 'utf8').split('\n');
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [id, program, ...rest] = l.split(/\s+/);
      if (!id || !program) throw new Error(`cases.txt: bad line: ${l}`);
      const dd = rest.indexOf('--');
      const envWords = dd < 0 ? rest : rest.slice(0, dd);
      const env: Record<string, string> = {};
      for (const w of envWords) {
        const eq = w.indexOf('=');
        if (eq <= 0) throw new Error(`cases.txt: ${id}: not KEY=VALUE: ${w}`);
        env[w.slice(0, eq)] = w.slice(eq + 1);
      }
      return {
        id,
        program,
        env,
        args: dd < 0 ? [] : rest.slice(dd + 1),
        expectedStdout: readFileSync(`${linuxDir}expected/${id}.stdout`),
        expectedStatus: Number(readFileSync(`${linuxDir}expected/${id}.status`, 'utf8').trim()),
      };
    });
}

/** A child's end as a shell reports it: the exit code, or 128 + the signal's number. */
export function shellStatus(status: number | null, signal: NodeJS.Signals | null): number {
  if (signal !== null) return 128 + constants.signals[signal];
  if (status === null) throw new Error('child ended with neither a status nor a signal');
  return status;
}

export interface LinuxRun {
  stdout: Buffer;
  stderr: string;
  status: number;
}

/** Runs one case under `qemu` (qemu-riscv64) exactly as workloads/linux/record.sh does. */
export function runCaseUnderQemu(qemu: string, c: LinuxCase): LinuxRun {
  const r = spawnSync(qemu, [linuxBin(c.program), ...c.args], {
    cwd: linuxDataDir,
    env: c.env,
    maxBuffer: 64 << 20,
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), status: shellStatus(r.status, r.signal) };
}
