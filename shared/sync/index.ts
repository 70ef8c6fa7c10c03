/**
 * Atomics synchronisation primitives shared by the main thread and the core workers.
 * Every primitive keeps all of its state in caller-supplied Int32Array words over a
 * SharedArrayBuffer (array + word index), so any thread can use it through its own view.
 * See each module's header for its word layout.
 */
export { LOCK_FREE, LOCK_HELD, LOCK_CONTENDED, SPIN_LOCK_SPINS, spinLock, spinTryLock, spinUnlock } from './spinlock.ts';
export {
  BARRIER_WORDS,
  BARRIER_ABORTED,
  BARRIER_SPINS,
  BARRIER_MIN_SPINS,
  SpinBudget,
  nextSpins,
  barrierInit,
  barrierWait,
  barrierAbort,
  barrierIsAborted,
  barrierArrived,
} from './barrier.ts';
export {
  RWSEM_WORDS,
  RWSEM_WRITER,
  downRead,
  downReadTrylock,
  downWrite,
  downWriteTrylock,
  downgradeWrite,
  upRead,
  upWrite,
  rwsemIsWriteLocked,
  rwsemReaders,
  rwsemWritersWaiting,
} from './rwsem.ts';
export { SEQ_READ_SPINS, SEQ_READ_PARK_MS, seqWriteBegin, seqWriteEnd, seqReadBegin, seqReadRetry } from './seqlock.ts';
