// An intrusive red-black tree over record indices in shared memory (Linux's rb_root_cached):
// the node fields (parent, left, right, color) live in each record, the root and the cached
// leftmost in the owner's header. Keys are f64 in the records; equal keys go right, so equal
// keys leave in insertion order (like __enqueue_entity). -1 is NULL. The caller holds the lock
// that guards the tree (the run queue's). Algorithms as in CLRS ch. 13 with NULL leaves.
//
// Node field offsets are relative to `nodeStride * i + nodeBase` in `nodes`:
//   +0 parent  +1 left  +2 right  +3 color (RB_RED 0, RB_BLACK 1, RB_NONE -1 = in no tree)
// Key of i: keys[keyStride * i + keyOff].  Header: head[rootAt] root, head[rootAt + 1] leftmost.

const PARENT = 0;
const LEFT = 1;
const RIGHT = 2;
const COLOR = 3;
const RED = 0;
const BLACK = 1;
const NONE = -1;

export class RbTree {
  constructor(
    readonly nodes: Int32Array,
    readonly nodeStride: number,
    readonly nodeBase: number,
    readonly keys: Float64Array,
    readonly keyStride: number,
    readonly keyOff: number,
    readonly head: Int32Array,
    readonly rootAt: number,
  ) {}

  root(): number {
    return this.head[this.rootAt]!;
  }
  /** rb_first_cached: the node with the smallest key, -1 when empty. */
  leftmost(): number {
    return this.head[this.rootAt + 1]!;
  }
  key(i: number): number {
    return this.keys[this.keyStride * i + this.keyOff]!;
  }
  private g(i: number, f: number): number {
    return this.nodes[this.nodeStride * i + this.nodeBase + f]!;
  }
  private s(i: number, f: number, v: number): void {
    this.nodes[this.nodeStride * i + this.nodeBase + f] = v;
  }
  parent(i: number): number {
    return this.g(i, PARENT);
  }
  left(i: number): number {
    return this.g(i, LEFT);
  }
  right(i: number): number {
    return this.g(i, RIGHT);
  }
  color(i: number): number {
    return this.g(i, COLOR);
  }
  /** True while i is linked into a tree (RB_EMPTY_NODE is false). */
  linked(i: number): boolean {
    return this.g(i, COLOR) !== NONE;
  }
  private isBlack(i: number): boolean {
    return i < 0 || this.g(i, COLOR) === BLACK;
  }

  /** Insert i (not linked) by its current key. */
  insert(i: number): void {
    const k = this.key(i);
    let parent = -1;
    let x = this.root();
    let leftmost = true;
    while (x >= 0) {
      parent = x;
      if (k < this.key(x)) x = this.g(x, LEFT);
      else {
        x = this.g(x, RIGHT);
        leftmost = false;
      }
    }
    this.s(i, PARENT, parent);
    this.s(i, LEFT, -1);
    this.s(i, RIGHT, -1);
    this.s(i, COLOR, RED);
    if (parent < 0) this.head[this.rootAt] = i;
    else if (k < this.key(parent)) this.s(parent, LEFT, i);
    else this.s(parent, RIGHT, i);
    if (leftmost) this.head[this.rootAt + 1] = i;
    this.insertFixup(i);
  }

  private rotateLeft(x: number): void {
    const y = this.g(x, RIGHT);
    const yl = this.g(y, LEFT);
    this.s(x, RIGHT, yl);
    if (yl >= 0) this.s(yl, PARENT, x);
    this.replaceChild(x, y);
    this.s(y, LEFT, x);
    this.s(x, PARENT, y);
  }
  private rotateRight(x: number): void {
    const y = this.g(x, LEFT);
    const yr = this.g(y, RIGHT);
    this.s(x, LEFT, yr);
    if (yr >= 0) this.s(yr, PARENT, x);
    this.replaceChild(x, y);
    this.s(y, RIGHT, x);
    this.s(x, PARENT, y);
  }
  /** Put `v` where `u` hangs from u's parent (v's parent becomes u's). */
  private replaceChild(u: number, v: number): void {
    const p = this.g(u, PARENT);
    if (p < 0) this.head[this.rootAt] = v;
    else if (this.g(p, LEFT) === u) this.s(p, LEFT, v);
    else this.s(p, RIGHT, v);
    if (v >= 0) this.s(v, PARENT, p);
  }

  private insertFixup(z: number): void {
    for (;;) {
      const p = this.g(z, PARENT);
      if (p < 0 || this.g(p, COLOR) === BLACK) break;
      const gp = this.g(p, PARENT); // a red parent is never the root
      if (p === this.g(gp, LEFT)) {
        const u = this.g(gp, RIGHT);
        if (!this.isBlack(u)) {
          this.s(p, COLOR, BLACK);
          this.s(u, COLOR, BLACK);
          this.s(gp, COLOR, RED);
          z = gp;
          continue;
        }
        if (z === this.g(p, RIGHT)) {
          this.rotateLeft(p);
          z = p;
        }
        const p2 = this.g(z, PARENT);
        this.s(p2, COLOR, BLACK);
        this.s(gp, COLOR, RED);
        this.rotateRight(gp);
        break;
      } else {
        const u = this.g(gp, LEFT);
        if (!this.isBlack(u)) {
          this.s(p, COLOR, BLACK);
          this.s(u, COLOR, BLACK);
          this.s(gp, COLOR, RED);
          z = gp;
          continue;
        }
        if (z === this.g(p, LEFT)) {
          this.rotateRight(p);
          z = p;
        }
        const p2 = this.g(z, PARENT);
        this.s(p2, COLOR, BLACK);
        this.s(gp, COLOR, RED);
        this.rotateLeft(gp);
        break;
      }
    }
    this.s(this.root(), COLOR, BLACK);
  }

  /** rb_next: the in-order successor of i, or -1. */
  next(i: number): number {
    let x = this.g(i, RIGHT);
    if (x >= 0) {
      while (this.g(x, LEFT) >= 0) x = this.g(x, LEFT);
      return x;
    }
    let p = this.g(i, PARENT);
    while (p >= 0 && i === this.g(p, RIGHT)) {
      i = p;
      p = this.g(p, PARENT);
    }
    return p;
  }

  /** rb_erase_cached: unlink i (linked) and mark it RB_NONE. */
  erase(z: number): void {
    if (this.head[this.rootAt + 1] === z) this.head[this.rootAt + 1] = this.next(z);
    let x: number;
    let xParent: number;
    let removedColor = this.g(z, COLOR);
    const zl = this.g(z, LEFT);
    const zr = this.g(z, RIGHT);
    if (zl < 0) {
      x = zr;
      xParent = this.g(z, PARENT);
      this.replaceChild(z, zr);
    } else if (zr < 0) {
      x = zl;
      xParent = this.g(z, PARENT);
      this.replaceChild(z, zl);
    } else {
      let y = zr;
      while (this.g(y, LEFT) >= 0) y = this.g(y, LEFT);
      removedColor = this.g(y, COLOR);
      x = this.g(y, RIGHT);
      if (this.g(y, PARENT) === z) {
        xParent = y;
      } else {
        xParent = this.g(y, PARENT);
        this.replaceChild(y, x);
        this.s(y, RIGHT, zr);
        this.s(zr, PARENT, y);
      }
      this.replaceChild(z, y);
      this.s(y, LEFT, zl);
      this.s(zl, PARENT, y);
      this.s(y, COLOR, this.g(z, COLOR));
    }
    this.s(z, PARENT, -1);
    this.s(z, LEFT, -1);
    this.s(z, RIGHT, -1);
    this.s(z, COLOR, NONE);
    if (removedColor === BLACK) this.eraseFixup(x, xParent);
  }

  private eraseFixup(x: number, p: number): void {
    while (p >= 0 && this.isBlack(x)) {
      if (x === this.g(p, LEFT)) {
        let w = this.g(p, RIGHT);
        if (!this.isBlack(w)) {
          this.s(w, COLOR, BLACK);
          this.s(p, COLOR, RED);
          this.rotateLeft(p);
          w = this.g(p, RIGHT);
        }
        if (this.isBlack(this.g(w, LEFT)) && this.isBlack(this.g(w, RIGHT))) {
          this.s(w, COLOR, RED);
          x = p;
          p = this.g(x, PARENT);
        } else {
          if (this.isBlack(this.g(w, RIGHT))) {
            this.s(this.g(w, LEFT), COLOR, BLACK);
            this.s(w, COLOR, RED);
            this.rotateRight(w);
            w = this.g(p, RIGHT);
          }
          this.s(w, COLOR, this.g(p, COLOR));
          this.s(p, COLOR, BLACK);
          this.s(this.g(w, RIGHT), COLOR, BLACK);
          this.rotateLeft(p);
          x = this.root();
          break;
        }
      } else {
        let w = this.g(p, LEFT);
        if (!this.isBlack(w)) {
          this.s(w, COLOR, BLACK);
          this.s(p, COLOR, RED);
          this.rotateRight(p);
          w = this.g(p, LEFT);
        }
        if (this.isBlack(this.g(w, LEFT)) && this.isBlack(this.g(w, RIGHT))) {
          this.s(w, COLOR, RED);
          x = p;
          p = this.g(x, PARENT);
        } else {
          if (this.isBlack(this.g(w, LEFT))) {
            this.s(this.g(w, RIGHT), COLOR, BLACK);
            this.s(w, COLOR, RED);
            this.rotateLeft(w);
            w = this.g(p, LEFT);
          }
          this.s(w, COLOR, this.g(p, COLOR));
          this.s(p, COLOR, BLACK);
          this.s(this.g(w, LEFT), COLOR, BLACK);
          this.rotateRight(p);
          x = this.root();
          break;
        }
      }
    }
    if (x >= 0) this.s(x, COLOR, BLACK);
  }

  /** In-order node list (for checks and views; allocates). */
  toArray(): number[] {
    const out: number[] = [];
    for (let i = this.leftmost(); i >= 0; i = this.next(i)) out.push(i);
    return out;
  }

  /**
   * Checks every invariant: root black with no parent, no red node with a red child, equal
   * black height on every path, parent links, key order (left < node <= right in-order),
   * the cached leftmost. Returns '' when valid, else the first violation.
   */
  check(): string {
    const root = this.root();
    if (root < 0) return this.leftmost() < 0 ? '' : `empty tree has leftmost ${this.leftmost()}`;
    if (this.g(root, PARENT) !== -1) return `root ${root} has parent ${this.g(root, PARENT)}`;
    if (this.g(root, COLOR) !== BLACK) return `root ${root} is not black`;
    let err = '';
    let count = 0;
    const walk = (n: number, lo: number, hi: number): number => {
      if (n < 0) return 1;
      if (err) return 0;
      if (++count > this.nodes.length) {
        err = 'cycle';
        return 0;
      }
      const c = this.g(n, COLOR);
      if (c !== RED && c !== BLACK) err = `node ${n} in the tree has color ${c}`;
      const k = this.key(n);
      if (k < lo || k > hi) err = `node ${n} key ${k} outside [${lo}, ${hi}]`;
      const l = this.g(n, LEFT);
      const r = this.g(n, RIGHT);
      if (l >= 0 && this.g(l, PARENT) !== n) err = `node ${l} parent is not ${n}`;
      if (r >= 0 && this.g(r, PARENT) !== n) err = `node ${r} parent is not ${n}`;
      if (c === RED && (!this.isBlack(l) || !this.isBlack(r))) err = `red node ${n} has a red child`;
      const bl = walk(l, lo, k);
      const br = walk(r, k, hi);
      if (bl !== br && !err) err = `black heights differ under ${n}: ${bl} vs ${br}`;
      return bl + (c === BLACK ? 1 : 0);
    };
    walk(root, -Infinity, Infinity);
    if (err) return err;
    let m = root;
    while (this.g(m, LEFT) >= 0) m = this.g(m, LEFT);
    if (this.leftmost() !== m) return `leftmost is ${this.leftmost()}, the smallest node is ${m}`;
    return '';
  }
}
