// The interrupt side's command-line options: --nic-rate, --nic-cpu, --nic-work, --top, --hz, and
// --proc of /proc/interrupts, /proc/softirqs, /proc/stat. Bad values are one line and exit 2.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/smpemu.mjs', import.meta.url));
const linuxHello = fileURLToPath(new URL('../../workloads/linux/bin/hello', import.meta.url));
const spmdHello = fileURLToPath(new URL('../../workloads/bin/hello.elf', import.meta.url));

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
}

function smpemu(...args: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

function expectOneLineError(r: Ran, pattern: RegExp): void {
  expect(r.status).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('smpemu run: the NIC and top options', () => {
  it.each([
    [['--cores', '2', '--nic-rate', '1000', '--nic-cpu', '2'], /^smpemu: nic\.cpus: 2 is not a core of this machine \(0-1\)$/],
    [['--nic-rate', '1000', '--nic-cpu', '0,0'], /^smpemu: nic\.cpus: core 0 given twice$/],
    [['--nic-rate', '1000', '--nic-cpu', '3-1'], /descending range/],
    [['--nic-rate', '1000', '--nic-cpu', 'x'], /is not a cpu list/],
    [['--nic-rate', '200000000'], /^smpemu: nic\.ratePps must be between 0 and 100000000 \(got 200000000\)$/],
    [['--nic-rate', '-5'], /--nic-rate must be an integer >= 0/],
    [['--nic-work', '0'], /--nic-work must be an integer >= 1/],
    [['--top', '0'], /is not a positive number of seconds/],
    [['--top', 'soon'], /is not a positive number of seconds/],
    [['--hz', '200'], /^smpemu: hz must be one of 100, 250, 300, 1000 \(got 200\)$/],
  ])('%j is refused in one line', async (args, pattern) => {
    expectOneLineError(await smpemu('run', linuxHello, '-q', '--deterministic', ...args), pattern);
  }, 60_000);

  it('the NIC and --top need --boot linux', async () => {
    expectOneLineError(await smpemu('run', spmdHello, '--boot', 'spmd', '--nic-rate', '1000'), /^smpemu: the NIC \(nic\.ratePps > 0, --nic-rate\) needs --boot linux$/);
    expectOneLineError(await smpemu('run', spmdHello, '--boot', 'spmd', '--top', '1'), /need --boot linux$/);
    expectOneLineError(await smpemu('run', spmdHello, '--boot', 'spmd', '--hz', '1000'), /need --boot linux$/);
  }, 60_000);

  it('--proc /proc/interrupts, /proc/softirqs, /proc/stat and the ksoftirqd threads\' files at exit, with the NIC on two queues', async () => {
    const r = await smpemu('run', linuxHello, '-q', '--deterministic', '--cores', '2', '--memory', 'flat', '--nic-rate', '200000', '--nic-cpu', '0-1',
      '--proc', '/proc/interrupts', '--proc', '/proc/softirqs', '--proc', '/proc/stat', '--proc', '/proc/2/stat', '--proc', '/proc/3/comm');
    expect(r.status).toBe(0);
    const irqs = r.stderr.split('==> /proc/interrupts (at exit) <==\n')[1]!.split('==>')[0]!.split('\n');
    expect(irqs[0]).toBe('           CPU0       CPU1       ');
    expect(irqs[1]).toMatch(/^ 16: +[1-9]\d* +0  SiFive PLIC   8 Edge      eth0-rx-0$/);
    // queue 1's line is pinned to cpu 1: never counted on cpu 0
    expect(irqs[2]).toMatch(/^ 17: +0 +\d+  SiFive PLIC   9 Edge      eth0-rx-1$/);
    expect(irqs.slice(3, 7).map((l) => l.slice(0, 4))).toEqual(['LOC:', 'RES:', 'CAL:', 'TLB:']);
    expect(r.stderr).toMatch(/==> \/proc\/softirqs \(at exit\) <==\n {20}CPU0 {7}CPU1 {7}\n {10}HI:/);
    expect(r.stderr).toMatch(/==> \/proc\/stat \(at exit\) <==\ncpu  \d+/);
    // the exit snapshot lists every live pid, as the guest would: pid 2 and 3 are ksoftirqd/0 and /1
    expect(r.stderr).toMatch(/==> \/proc\/2\/stat \(at exit\) <==\n2 \(ksoftirqd\/0\) [SR] 0 2 2 /);
    expect(r.stderr).toContain('==> /proc/3/comm (at exit) <==\nksoftirqd/1\n');
  }, 60_000);
});
