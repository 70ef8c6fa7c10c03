// Writing to the host's stdout and stderr without making process.stdout and process.stderr
// when they are not needed: each is a stream whose making costs the main thread milliseconds
// (a pipe's or a terminal's loads node:net), on the way of every short run. To a regular file
// or /dev/null a write goes straight to the descriptor, synchronously, as process.stdout's own
// stream for a file does. A pipe or a terminal gets the stream as before: its writes queue
// behind a full pipe instead of blocking the main thread, which must keep taking the workers'
// messages (test/cli/exit_flush.test.ts). A failed direct write (a full disk, say) is done
// again through the stream, which reports it as before, and so is everything after it.

import { fstatSync, statSync, writeSync } from 'node:fs';

type Fd = 1 | 2;

/** Per fd: write directly (true), through process.stdout/stderr (false), not decided yet (undefined). */
const direct: (boolean | undefined)[] = [];
/** The streams someone made (see trackStdio): only they have anything to flush. */
const made = new Set<Fd>();

function streamOf(fd: Fd): NodeJS.WriteStream {
  return fd === 1 ? process.stdout : process.stderr;
}

/** The rdev of /dev/null, or undefined. */
let devNull: number | undefined | null = null;
function isDevNull(rdev: number): boolean {
  if (devNull === null) {
    try {
      devNull = statSync('/dev/null').rdev;
    } catch {
      devNull = undefined;
    }
  }
  return devNull !== undefined && rdev === devNull;
}

/** What fd is: 'file' (a regular file or /dev/null), 'char' (a character device, maybe a terminal), or 'other' (a pipe, a socket). */
function kindOf(fd: Fd): 'file' | 'char' | 'other' {
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return 'file';
    if (st.isCharacterDevice()) return isDevNull(st.rdev) ? 'file' : 'char';
    return 'other';
  } catch {
    return 'other';
  }
}

function directFor(fd: Fd): boolean {
  let d = direct[fd];
  if (d === undefined) {
    // A stream made already holds earlier writes: later ones must queue behind them.
    d = !made.has(fd) && kindOf(fd) === 'file';
    direct[fd] = d;
  }
  return d;
}

/** Writes `data` to the host's fd 1 or 2, in order with every earlier hostWrite to it. */
export function hostWrite(fd: Fd, data: Uint8Array | string): void {
  if (directFor(fd)) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    try {
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      return;
    } catch {
      direct[fd] = false;
      data = bytes.subarray(off);
    }
  }
  streamOf(fd).write(data);
}

/** Whether fd 1 or 2 is a terminal, without making its stream when it cannot be one. */
export function hostIsTty(fd: Fd): boolean {
  return kindOf(fd) === 'char' && streamOf(fd).isTTY === true;
}

/** What a shell reports for a command that SIGPIPE killed (128 + 13): node ignores the signal, so a stream's EPIPE stands for it. */
export const EXIT_BROKEN_PIPE = 141;

/**
 * A write error on the stream of fd: the reader of a pipe went away (`smpemu run ... | head`):
 * stop at once and quietly, as a command that SIGPIPE kills does; anything else: one line and
 * exit 2. Without a listener node would throw the error with its stack.
 */
function onStreamError(fd: Fd, e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
  if (fd === 1) {
    try {
      writeSync(2, `smpemu: cannot write to stdout: ${e.code ?? e.message}\n`);
    } catch {
      // stderr is gone too
    }
  }
  process.exit(2);
}

/**
 * Notes when process.stdout or process.stderr gets made, by anyone (they are getters that make
 * the stream on first use), so that hostFlushed waits only for those, and gives it its error
 * listener (onStreamError). Once per process.
 */
export function trackStdio(): void {
  for (const fd of [1, 2] as const) {
    const name = fd === 1 ? 'stdout' : 'stderr';
    const d = Object.getOwnPropertyDescriptor(process, name);
    const get = d?.get;
    if (!d || !get || !d.configurable) {
      made.add(fd);
      continue;
    }
    Object.defineProperty(process, name, {
      configurable: true,
      enumerable: d.enumerable,
      get() {
        const stream = get.call(process) as NodeJS.WriteStream;
        if (!made.has(fd)) stream.on('error', (e: NodeJS.ErrnoException) => onStreamError(fd, e));
        made.add(fd);
        return stream;
      },
    });
  }
}

/** Resolves once everything written to fd so far has gone out: at once unless its stream was made (direct writes are done when they return). */
export function hostFlushed(fd: Fd): Promise<void> {
  if (!made.has(fd)) return Promise.resolve();
  const stream = streamOf(fd);
  return new Promise((resolve) => {
    try {
      // An empty write's callback comes after the earlier writes'.
      stream.write('', () => resolve());
    } catch {
      resolve();
    }
  });
}
