// struct sigpending: a set of pending signals and the queue of their siginfo. A classic
// signal (1..31) is pending at most once (legacy_queue: a second one while the first waits
// is merged into it); a real-time signal queues every instance, in order. Each thread has
// one (task->pending: tgkill, tkill, faults) and its thread group one more
// (signal->shared_pending: kill, sigqueue, SIGCHLD).

import { kernelInfo, SI_SIGNO, type KSiginfo } from './siginfo.ts';
import { sigmask, SIGRTMIN, SYNCHRONOUS_MASK } from './uapi.ts';

interface Queued {
  sig: number;
  info: KSiginfo;
}

export class SigPending {
  /** Bit sig-1 set: sig is pending. */
  signal = 0n;
  private readonly list: Queued[] = [];

  /** Queued real-time instances (RLIMIT_SIGPENDING counts them). */
  get queued(): number {
    return this.list.length;
  }

  /** legacy_queue: a classic signal already pending takes no second instance. */
  isLegacyPending(sig: number): boolean {
    return sig < SIGRTMIN && (this.signal & sigmask(sig)) !== 0n;
  }

  /** __send_signal's tail: queue the info (or only set the bit, when the queue is full: info null). */
  add(sig: number, info: KSiginfo | null): void {
    if (info) this.list.push({ sig, info });
    this.signal |= sigmask(sig);
  }

  /**
   * next_signal: the lowest pending signal not in `blocked`, the synchronous ones (faults)
   * first; 0 when none.
   */
  next(blocked: bigint): number {
    let x = this.signal & ~blocked;
    if (x === 0n) return 0;
    if ((x & SYNCHRONOUS_MASK) !== 0n) x &= SYNCHRONOUS_MASK;
    let sig = 1;
    while ((x & 1n) === 0n) {
      x >>= 1n;
      sig++;
    }
    return sig;
  }

  /**
   * collect_signal: take sig's first queued info; the bit stays while another instance is
   * queued. A signal pending without a queue entry gets a zeroed SI_USER info, as Linux.
   */
  collect(sig: number): KSiginfo {
    const i = this.list.findIndex((q) => q.sig === sig);
    let info: KSiginfo;
    if (i >= 0) {
      info = this.list[i]!.info;
      this.list.splice(i, 1);
    } else {
      info = kernelInfo(sig);
      new DataView(info.buffer).setInt32(8, 0, true); // SI_USER, pid 0
    }
    if (!this.list.some((q) => q.sig === sig)) this.signal &= ~sigmask(sig);
    new DataView(info.buffer, info.byteOffset).setInt32(SI_SIGNO, sig, true);
    return info;
  }

  /** flush_sigqueue_mask: every signal of `mask` goes, queued instances too. */
  flush(mask: bigint): void {
    if ((this.signal & mask) === 0n) return;
    this.signal &= ~mask;
    for (let i = this.list.length - 1; i >= 0; i--) if ((sigmask(this.list[i]!.sig) & mask) !== 0n) this.list.splice(i, 1);
  }
}
