# The warm-up program (cores/warmup/warmup.ts): the integer cases of Hart.run a program's hot
# loops run and the paths inside them (both sides of every compare, shifts below and above 32,
# MUL's exact and wide paths, division by zero, loads and stores of every width, jumps and
# compressed code), with operands of both signs and widths, so that each site's type feedback is
# as general as a real program's. Not LR/SC, AMOs, fences, CSRs or F/D: with their feedback the
# first compile of run was ~3x larger (bench/ab.ts: one V8 thread 109-160 ms of CPU against
# 40-77), and a program that uses them pays one deopt when it first does.
# Position-independent; loops forever (the caller stops it by cycles). Assembled into
# warmup.ts's WORDS by `npx tsx cores/warmup/assemble.ts` (a test checks they match).
start:
  li t0, -1
  li t1, 0x7fffffff
  li t2, -0x80000000
  li s0, 0x123456789abcdef0
  li s1, -0x5555555555555556
  li a2, 3
  li a3, 37
  li a4, 0xfffff
  li a5, -0xffff
  mv a6, t0
  slli a7, t1, 0
  addi t3, t0, -5
  addi t3, t1, 7
  addi t4, s0, 2047
  add t5, t0, t1
  add t5, s0, s1
  add t5, a2, a3
  sub t6, t1, t0
  sub t6, s1, s0
  sub t6, a2, a3
  lui s2, 0x80000
  lui s2, 0x12345
  auipc s3, 0
  auipc s3, 0x7ffff
  slti s4, t0, 5
  slti s4, s0, -5
  slti s4, a2, 3
  sltiu s4, t0, 5
  sltiu s4, a2, -1
  sltiu s4, a2, 4
  xori s5, s0, -1
  xori s5, a2, 5
  ori s5, s1, 0x7f0
  ori s5, a2, -16
  andi s5, s0, -256
  andi s5, a3, 15
  slli s6, s0, 5
  slli s6, s1, 40
  srli s6, s0, 7
  srli s6, s1, 33
  srai s6, s1, 3
  srai s6, s1, 50
  sll s7, s0, a2
  sll s7, s0, a3
  sll s7, s0, zero
  srl s7, s1, a2
  srl s7, s1, a3
  srl s7, s1, zero
  sra s7, s1, a2
  sra s7, s1, a3
  sra s7, s1, zero
  slt s8, t0, t1
  slt s8, s1, s0
  slt s8, a2, a3
  slt s8, a3, a2
  sltu s8, t0, t1
  sltu s8, a2, a3
  sltu s8, a3, a2
  xor s9, s0, s1
  or s9, s0, s1
  and s9, s0, s1
  addiw s10, t1, 1
  addiw s10, a2, -5
  slliw s10, t0, 31
  srliw s10, t0, 3
  sraiw s10, t2, 4
  addw s11, t1, t1
  subw s11, t2, a2
  sllw s11, t0, a3
  srlw s11, t0, a3
  sraw s11, t2, a3
  mul t3, a2, a3
  mul t3, a5, a4
  mul t3, t0, a5
  mul t3, s0, s1
  mul t3, s0, a2
  mulh t4, s0, s1
  mulhsu t4, s1, s0
  mulhu t4, s0, s1
  div t5, s0, a3
  div t5, s1, a5
  div t5, a3, zero
  rem t5, s0, a3
  rem t5, s1, a5
  divu t5, s0, a3
  divu t5, s1, s0
  remu t5, s0, a3
  remu t5, a3, zero
  mulw t6, t1, t1
  mulw t6, a2, a5
  divw t6, t2, a3
  divw t6, t2, t0
  divuw t6, t0, a3
  remw t6, t2, a3
  remuw t6, t0, a3
  la a0, data
  sd s0, 0(a0)
  sd s1, 8(a0)
  sw t1, 16(a0)
  sh t0, 20(a0)
  sb t0, 22(a0)
  sw t2, 24(a0)
  sd s0, 200(a0)
  addi t6, a0, 2040
  addi t6, t6, 2040
  sd s1, 16(t6)
  ld t3, 0(a0)
  ld t3, 8(a0)
  lw t3, 16(a0)
  lw t3, 8(a0)
  lwu t3, 8(a0)
  lwu t3, 16(a0)
  lh t3, 20(a0)
  lh t3, 16(a0)
  lhu t3, 20(a0)
  lb t3, 22(a0)
  lb t3, 16(a0)
  lbu t3, 22(a0)
  ld t3, 200(a0)
  ld t3, 16(t6)
  beq t0, t0, b1
b1:
  beq t0, t1, b2
b2:
  beq s0, s1, b3
b3:
  bne t0, t1, b4
b4:
  bne t0, t0, b5
b5:
  bne s0, s1, b6
b6:
  blt t0, t1, b7
b7:
  blt t1, t0, b8
b8:
  blt a2, a3, b9
b9:
  blt a3, a2, b10
b10:
  blt a2, a2, b11
b11:
  bge t0, t1, b12
b12:
  bge t1, t0, b13
b13:
  bge a2, a3, b14
b14:
  bge a3, a2, b15
b15:
  bge a2, a2, b16
b16:
  bltu t0, t1, b17
b17:
  bltu t1, t0, b18
b18:
  bltu a2, a3, b19
b19:
  bltu a3, a2, b20
b20:
  bgeu t0, t1, b21
b21:
  bgeu t1, t0, b22
b22:
  bgeu a2, a3, b23
b23:
  bgeu a3, a2, b24
b24:
  jal ra, sub1
  jal zero, b25
b25:
  j cblock
  .align 6
# compressed code, and a 32-bit instruction across a fetch block's edge (offset 62 of 64)
cblock:
  c.li a4, 5
  c.addi a4, 7
  c.addiw a4, -3
  c.mv a5, a4
  c.add a5, a4
  c.lui a6, 3
  c.slli a5, 3
  c.srli a5, 1
  c.srai a5, 1
  c.andi a5, 15
  c.sub a5, a4
  c.xor a5, a4
  c.or a5, a4
  c.and a5, a4
  c.subw a5, a4
  c.addw a5, a4
  c.sd a5, 48(a0)
  c.ld a4, 48(a0)
  c.sw a5, 56(a0)
  c.lw a4, 56(a0)
  c.beqz a4, b26
b26:
  c.bnez a4, b27
b27:
  c.li a6, 1
  c.li a6, 2
  c.li a6, 3
  c.li a6, 4
  c.li a6, 5
  c.li a6, 6
  c.li a6, 7
  c.li a6, 8
  c.li a6, 9
  add t5, a2, a3
  addi a1, a1, 1
  j start
sub1:
  jalr zero, 0(ra)
  .align 3
data:
