/** Jobs and results of the shared-VMA worker test. */
export interface VmaSharedJob {
  pool: SharedArrayBuffer;
  table: SharedArrayBuffer;
  gate: SharedArrayBuffer;
  parties: number;
  role: 'writer' | 'reader';
  mm: number;
  iters: number;
  /** Writers map at base + k * 2 pages, k < slots. */
  base: number;
  slots: number;
}
export interface VmaSharedResult {
  ops: number;
  bad: number; // reader: unsorted, overlapping, or a count that disagrees with the pages
  firstBad: string;
}
