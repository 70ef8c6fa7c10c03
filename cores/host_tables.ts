// Zeroed typed arrays for a core's large host-side tables (the decode cache, the translator's
// slots), carved from chunks of one big ArrayBuffer each. Why: an ArrayBuffer is calloc'd, and
// glibc serves a request below its mmap threshold from the heap, zeroed by a memset that faults
// in every page. The threshold rises to the size of any mmapped block freed (a bundle file read,
// 300-450 KiB), after which each 128 KiB table of each core cost its pages at start-up (~8 ms
// for 4 cores on a host whose page faults are slow). A chunk far above any such size is mmapped:
// its pages stay untouched, and cost nothing, until a slot is written.

/** Bytes per chunk: well above the mmap threshold any freed buffer of ours sets. */
const CHUNK_BYTES = 8 << 20;

type Ctor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; BYTES_PER_ELEMENT: number };

let chunk: ArrayBuffer | undefined;
let used = 0;

/** A zeroed array of `length` elements (a chunk of its own when larger than a chunk). */
export function hostTable<T>(ctor: Ctor<T>, length: number): T {
  const bytes = (length * ctor.BYTES_PER_ELEMENT + 7) & ~7;
  if (bytes > CHUNK_BYTES / 4) return new ctor(new ArrayBuffer(bytes), 0, length);
  if (chunk === undefined || used + bytes > CHUNK_BYTES) {
    chunk = new ArrayBuffer(CHUNK_BYTES);
    used = 0;
  }
  const t = new ctor(chunk, used, length);
  used += bytes;
  return t;
}
