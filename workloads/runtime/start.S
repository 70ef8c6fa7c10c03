/*
 * smpemu workloads runtime: program entry.
 *
 * Boot contract ("spmd" boot of smpemu): every hart starts here with
 *   a0 = hart id, a1 = number of harts, sp = top of this hart's own stack
 *   (16-byte aligned), all other registers 0.
 * Under Linux / qemu-riscv64: a0 = 0, a1 = 0 and sp points at argc, so
 * a1 == 0 is treated as "1 hart".
 *
 * gp and tp are not used by this runtime (no __global_pointer$ needed).
 */
	.section .text._start, "ax", @progbits
	.globl	_start
	.type	_start, @function
_start:
	/* a0 (hart id) and a1 (hart count) are passed straight to main. */
	bnez	a1, 1f
	li	a1, 1			/* Linux / qemu-user: a1 == 0 -> 1 hart */
1:
	andi	sp, sp, -16		/* keep the ABI's 16-byte alignment */
	li	ra, 0
	li	s0, 0			/* terminate frame chain */
	call	main
	/* exit(main's return value): syscall 93 ends only this hart/thread */
	li	a7, 93
	ecall
	/* not reached; if exit ever returns, spin here */
2:	j	2b
	.size	_start, . - _start
