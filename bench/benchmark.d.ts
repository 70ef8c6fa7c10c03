// The part of benchmark.js (package `benchmark`, untyped) that bench/ uses.
declare module 'benchmark' {
  namespace Benchmark {
    interface Event {
      target: Benchmark;
    }
    class Suite {
      add(name: string, fn: () => void): Suite;
      on(type: 'cycle' | 'complete', listener: (e: Event) => void): Suite;
      run(options?: { async?: boolean }): Suite;
    }
  }
  class Benchmark {
    name?: string;
    hz?: number;
    toString(): string;
  }
  export = Benchmark;
}
