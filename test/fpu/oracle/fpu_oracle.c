// qemu-riscv64 oracle for test/fpu: reads lines "OP RM A B C" (OP an F/D mnemonic, RM 0..4, A B C
// 64-bit operand bits in hex: FP operands are moved in whole with fmv.d.x, so a single that is not
// NaN-boxed reaches the instruction as it is), runs OP with frm = RM (dynamic rounding), and prints
// "R FLAGS": the 64-bit result (an FP register read with fmv.x.d, or the integer register) and fflags.
// Built by build.sh next to this file; run under qemu-riscv64 by test/fpu/qemu.test.ts.
#include <stdio.h>
#include <string.h>

typedef unsigned long u64;

#define F3(insn) asm volatile("fmv.d.x ft0,%1\n\tfmv.d.x ft1,%2\n\tfmv.d.x ft2,%3\n\t" insn "\n\tfmv.x.d %0,ft3" \
                              : "=r"(r) : "r"(a), "r"(b), "r"(c) : "ft0", "ft1", "ft2", "ft3")
#define FX(insn) asm volatile("fmv.d.x ft0,%1\n\tfmv.d.x ft1,%2\n\t" insn : "=r"(r) : "r"(a), "r"(b) : "ft0", "ft1")
#define XF(insn) asm volatile(insn "\n\tfmv.x.d %0,ft3" : "=r"(r) : "r"(a) : "ft3")

#define OPS(S) \
  X(fadd.S, F3("fadd." #S " ft3,ft0,ft1,dyn")) \
  X(fsub.S, F3("fsub." #S " ft3,ft0,ft1,dyn")) \
  X(fmul.S, F3("fmul." #S " ft3,ft0,ft1,dyn")) \
  X(fdiv.S, F3("fdiv." #S " ft3,ft0,ft1,dyn")) \
  X(fsqrt.S, F3("fsqrt." #S " ft3,ft0,dyn")) \
  X(fmadd.S, F3("fmadd." #S " ft3,ft0,ft1,ft2,dyn")) \
  X(fmsub.S, F3("fmsub." #S " ft3,ft0,ft1,ft2,dyn")) \
  X(fnmsub.S, F3("fnmsub." #S " ft3,ft0,ft1,ft2,dyn")) \
  X(fnmadd.S, F3("fnmadd." #S " ft3,ft0,ft1,ft2,dyn")) \
  X(fmin.S, F3("fmin." #S " ft3,ft0,ft1")) \
  X(fmax.S, F3("fmax." #S " ft3,ft0,ft1")) \
  X(fsgnj.S, F3("fsgnj." #S " ft3,ft0,ft1")) \
  X(fsgnjn.S, F3("fsgnjn." #S " ft3,ft0,ft1")) \
  X(fsgnjx.S, F3("fsgnjx." #S " ft3,ft0,ft1")) \
  X(feq.S, FX("feq." #S " %0,ft0,ft1")) \
  X(flt.S, FX("flt." #S " %0,ft0,ft1")) \
  X(fle.S, FX("fle." #S " %0,ft0,ft1")) \
  X(fclass.S, FX("fclass." #S " %0,ft0")) \
  X(fcvt.w.S, FX("fcvt.w." #S " %0,ft0,dyn")) \
  X(fcvt.wu.S, FX("fcvt.wu." #S " %0,ft0,dyn")) \
  X(fcvt.l.S, FX("fcvt.l." #S " %0,ft0,dyn")) \
  X(fcvt.lu.S, FX("fcvt.lu." #S " %0,ft0,dyn")) \
  X(fcvt.S.l, XF("fcvt." #S ".l ft3,%1,dyn")) \
  X(fcvt.S.lu, XF("fcvt." #S ".lu ft3,%1,dyn"))

static int run(const char *op, u64 a, u64 b, u64 c, u64 *out) {
  u64 r = 0;
#define X(name, body) if (!strcmp(op, #name)) { body; *out = r; return 1; }
  OPS(d)
  OPS(s)
  X(fcvt.s.w, XF("fcvt.s.w ft3,%1,dyn"))
  X(fcvt.s.wu, XF("fcvt.s.wu ft3,%1,dyn"))
  X(fcvt.d.w, XF("fcvt.d.w ft3,%1")) /* exact: no rounding mode */
  X(fcvt.d.wu, XF("fcvt.d.wu ft3,%1"))
  X(fcvt.s.d, F3("fcvt.s.d ft3,ft0,dyn"))
  X(fcvt.d.s, F3("fcvt.d.s ft3,ft0"))
#undef X
  (void)c;
  return 0;
}

int main(void) {
  char op[32];
  unsigned rm;
  u64 a, b, c, r;
  while (scanf("%31s %u %lx %lx %lx", op, &rm, &a, &b, &c) == 5) {
    unsigned flags;
    asm volatile("fsrm %0\n\tfsflags zero" : : "r"(rm));
    if (!run(op, a, b, c, &r)) { printf("? unknown op %s\n", op); continue; }
    asm volatile("frflags %0" : "=r"(flags));
    printf("%016lx %02x\n", r, flags);
  }
  return 0;
}
