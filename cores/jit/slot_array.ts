// A JS array of `n` empty slots, one per decode-cache slot, for functions and objects: its
// slots read undefined, and its elements are already of the kind the values stored later
// make them (one undefined stored), so no load that V8 optimized before the first store
// deopts at it. Not new Array(n).fill(undefined): filling 32,768 slots costs each core
// ~0.7 M host instructions at start-up per array, for slots that read undefined anyway.
export function slotArray<T>(n: number): (T | undefined)[] {
  const a = new Array<T | undefined>(n);
  a[0] = undefined;
  return a;
}
