// The console behind fds 0, 1 and 2 under `--boot linux`: what the guest writes
// to stdout/stderr becomes OutputChunks {core, fd, data} that the worker hands
// to the main thread in order (as the SPMD Kernel's queue does), so the host's
// stdout is written by the main thread only. The file syscall group stamps
// `core` with the calling hart before each call.
//
// stdin: fd 0 reads as end of file unless the caller passes a reader of the
// host's stdin (hostConsole().read in fs/file.ts is one; it blocks the worker).

import type { BigIntStats } from 'node:fs';
import type { Console } from '../fs/file.ts';
import type { OutputChunk } from '../kernel.ts';

export interface QueuedConsoleOptions {
  /** Receives guest output in order (the kernel's output queue). */
  push: (chunk: OutputChunk) => void;
  /** Whether the host's fd 0, 1, 2 are terminals (decides TCGETS/TIOCGWINSZ: ENOTTY when not). */
  tty?: readonly [boolean, boolean, boolean];
  winsize?: { rows: number; cols: number };
  /**
   * Reads the host's stdin (blocking the worker), 0 at end of input. Without it fd 0 reads as
   * end of file: the worker has no stdin of its own.
   */
  stdin?: (buf: Uint8Array) => number;
  /** The host's fstat of each stream, when known (what fstat(1) shows the guest). */
  hostStat?: (stream: 0 | 1 | 2) => BigIntStats | undefined;
}

export class QueuedConsole implements Console {
  /** The hart making the current syscall: tags the chunks it writes. */
  core = 0;
  private readonly o: QueuedConsoleOptions;

  constructor(o: QueuedConsoleOptions) {
    this.o = o;
  }

  write(stream: 1 | 2, data: Uint8Array): void {
    if (data.length === 0) return;
    // The caller's buffer may be reused: the chunk keeps its own copy.
    this.o.push({ core: this.core, fd: stream, data: data.slice() });
  }

  read(buf: Uint8Array): number {
    return this.o.stdin ? this.o.stdin(buf) : 0;
  }

  isatty(stream: 0 | 1 | 2): boolean {
    return this.o.tty?.[stream] ?? false;
  }

  winsize(): { rows: number; cols: number } {
    return this.o.winsize ?? { rows: 24, cols: 80 };
  }

  hostStat(stream: 0 | 1 | 2): BigIntStats | undefined {
    return this.o.hostStat?.(stream);
  }
}
