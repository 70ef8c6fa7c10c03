// An in-kernel pipe (fs/pipe.c): a 64 KiB ring shared by its read and write
// ends. Blocking is the caller's business: an operation that would sleep on
// Linux returns WOULD_BLOCK (and takeWouldBlock() names the pipe), and the
// kernel puts the task on the pipe's wait queue (pipe.wait) and restarts the
// syscall when it is woken. Every change a sleeper may wait for (data, room,
// an end closed) moves the queue's tasks to pipeWakeups, which the kernel
// drains after the syscall (wake_up_interruptible_all of pipe->rd_wait and
// wr_wait in one queue). WOULD_BLOCK never reaches the guest.

import { EAGAIN, EPIPE } from '../syscalls/numbers.ts';
import { PIPE_BUF, PIPE_DEF_BUFFERS_BYTES } from './uapi.ts';

/** "This task must sleep and retry": not an errno (Linux's -ERESTARTSYS plays the same role inside the kernel). */
export const WOULD_BLOCK = -512;

/** Tasks woken by pipe activity, for the kernel to wake_up after the syscall. */
export const pipeWakeups: number[] = [];
let blockedOn: PipeInode | undefined;

/** The pipe whose operation last answered WOULD_BLOCK (once). */
export function takeWouldBlock(): PipeInode | undefined {
  const p = blockedOn;
  blockedOn = undefined;
  return p;
}

export class PipeInode {
  readonly buf: Uint8Array;
  private head = 0; // next byte to read
  private len = 0;
  readers = 0;
  writers = 0;
  /** Bumped on every state change a sleeper may wait for (data, space, an end closed). */
  version = 0;
  /** Tasks asleep on this pipe (readers waiting for data or EOF, writers for room). */
  readonly wait = new Set<number>();
  readonly ino: number;

  constructor(ino: number, capacity = PIPE_DEF_BUFFERS_BYTES) {
    this.buf = new Uint8Array(capacity);
    this.ino = ino;
  }

  /** State changed: every sleeper is woken to retry (wake_up_interruptible_all). */
  changed(): void {
    this.version++;
    for (const t of this.wait) pipeWakeups.push(t);
    this.wait.clear();
  }

  get available(): number {
    return this.len;
  }

  /** pipe_read: bytes read; 0 at EOF (no writers); WOULD_BLOCK or -EAGAIN (nonblock) when empty. */
  read(out: Uint8Array, nonblock: boolean): number {
    if (out.length === 0) return 0;
    if (this.len === 0) {
      if (this.writers === 0) return 0;
      return nonblock ? -EAGAIN : this.block();
    }
    const n = Math.min(out.length, this.len);
    const cap = this.buf.length;
    const first = Math.min(n, cap - this.head);
    out.set(this.buf.subarray(this.head, this.head + first), 0);
    if (n > first) out.set(this.buf.subarray(0, n - first), first);
    this.head = (this.head + n) % cap;
    this.len -= n;
    this.changed();
    return n;
  }

  /**
   * Gives back the last n bytes read (still in the ring: nothing was written since), for a read
   * whose copy to the user faulted: Linux consumes only what reached the user.
   */
  unread(n: number): void {
    const cap = this.buf.length;
    if (n <= 0 || n > cap - this.len) return;
    this.head = (this.head - n + cap) % cap;
    this.len += n;
    this.changed();
  }

  /**
   * pipe_write: bytes written. -EPIPE with no readers (the caller also sends
   * SIGPIPE). Writes of at most PIPE_BUF bytes are atomic: all or WOULD_BLOCK.
   * A larger write takes what fits; a blocking caller retries the rest.
   */
  write(data: Uint8Array, nonblock: boolean): number {
    if (data.length === 0) return 0; // a null write succeeds before the readers are checked (pipe_write)
    if (this.readers === 0) return -EPIPE;
    const cap = this.buf.length;
    const free = cap - this.len;
    if (free === 0 || (data.length <= PIPE_BUF && free < data.length)) return nonblock ? -EAGAIN : this.block();
    const n = Math.min(free, data.length);
    const tail = (this.head + this.len) % cap;
    const first = Math.min(n, cap - tail);
    this.buf.set(data.subarray(0, first), tail);
    if (n > first) this.buf.set(data.subarray(first, n), 0);
    this.len += n;
    this.changed();
    return n;
  }

  private block(): number {
    blockedOn = this;
    return WOULD_BLOCK;
  }
}
