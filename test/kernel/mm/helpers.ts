// Shared set-up for the VMA tests: a pool, an mm table and one mm with the default layout.
import { MmTable, type MmLayoutOptions } from '../../../src/kernel/mm/mm_struct.ts';
import { VmaPool } from '../../../src/kernel/mm/vma.ts';

export function newMm(opts: MmLayoutOptions = {}, maxMapCount = 65530, vmas = 4096): { t: MmTable; m: number } {
  const pool = VmaPool.create(vmas);
  const t = MmTable.create(pool, 2, vmas, maxMapCount);
  const m = t.mmAlloc(opts);
  t.mmapWriteLock(m); // the tests act as the syscall layer, which holds it for writing
  return { t, m };
}

export const KiB = 1024;
export const MiB = 1024 * 1024;
export const hex = (x: number) => '0x' + x.toString(16);
