// The part of benchmark.js (package `benchmark`, untyped) that bench/ uses (micro.ts, atomics_store.ts).
declare module 'benchmark' {
  namespace Benchmark {
    interface Event {
      target: Benchmark;
    }
    class Suite {
      add(name: string, fn: () => void, options?: { minSamples?: number }): Suite;
      on(type: 'cycle' | 'complete', listener: (e: Event) => void): Suite;
      run(options?: { async?: boolean }): Suite;
    }
  }
  class Benchmark {
    /** Set once the suite has run it, as are hz and stats. */
    name: string;
    hz: number;
    stats: { rme: number; sample: number[] };
    toString(): string;
  }
  export = Benchmark;
}
