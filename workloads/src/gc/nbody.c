/*
 * nbody: FP compute kernel for speed measurements (rv64gc build only).
 *
 * The classic five-body simulation (Sun, Jupiter, Saturn, Uranus, Neptune; the Computer Language
 * Benchmarks Game's constants) with a symplectic Euler step of dt = 0.01: fadd/fsub/fmul/fdiv/
 * fsqrt.d and fused multiply-adds the compiler forms (GCC contracts a*b+c into fmadd.d at -O2),
 * fld/fsd on private per-hart data (64-byte aligned, no sharing).
 *
 * Every hart simulates the same system and prints
 *   hart H energy XXXXXXXXXXXXXXXX -> XXXXXXXXXXXXXXXX checksum XXXXXXXXXXXXXXXX
 * (the energy before and after as IEEE double bits, and a hash of the final positions and
 * velocities), so every hart prints the same line as qemu-riscv64 does.
 *
 * -DSTEPS=n sets the number of steps (default 60000: about 31 million guest instructions, 511 per
 * step, counted with qemu-riscv64 -singlestep -d nochain,exec at 1000 and 2000 steps).
 */
#include "rt.h"

#ifndef STEPS
#define STEPS 60000
#endif

#define MAX_HARTS 64
#define NBODIES 5
#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24

struct body {
    double x, y, z, vx, vy, vz, mass;
};

struct system {
    struct body b[NBODIES];
} __attribute__((aligned(64)));

static struct system nbody_data[MAX_HARTS];

static const struct body initial[NBODIES] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

static double fsqrt(double x)
{
    double r;
    __asm__("fsqrt.d %0, %1" : "=f"(r) : "f"(x)); /* -fno-builtin: no libm sqrt call */
    return r;
}

static void offset_momentum(struct body *b)
{
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < NBODIES; i++) {
        px += b[i].vx * b[i].mass;
        py += b[i].vy * b[i].mass;
        pz += b[i].vz * b[i].mass;
    }
    b[0].vx = -px / SOLAR_MASS;
    b[0].vy = -py / SOLAR_MASS;
    b[0].vz = -pz / SOLAR_MASS;
}

static double energy(const struct body *b)
{
    double e = 0;
    for (int i = 0; i < NBODIES; i++) {
        e += 0.5 * b[i].mass * (b[i].vx * b[i].vx + b[i].vy * b[i].vy + b[i].vz * b[i].vz);
        for (int j = i + 1; j < NBODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            e -= b[i].mass * b[j].mass / fsqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(struct body *b, double dt)
{
    for (int i = 0; i < NBODIES; i++)
        for (int j = i + 1; j < NBODIES; j++) {
            double dx = b[i].x - b[j].x, dy = b[i].y - b[j].y, dz = b[i].z - b[j].z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * fsqrt(d2));
            b[i].vx -= dx * b[j].mass * mag;
            b[i].vy -= dy * b[j].mass * mag;
            b[i].vz -= dz * b[j].mass * mag;
            b[j].vx += dx * b[i].mass * mag;
            b[j].vy += dy * b[i].mass * mag;
            b[j].vz += dz * b[i].mass * mag;
        }
    for (int i = 0; i < NBODIES; i++) {
        b[i].x += dt * b[i].vx;
        b[i].y += dt * b[i].vy;
        b[i].z += dt * b[i].vz;
    }
}

static uint64_t bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

int main(int hartid, int nharts)
{
    (void)nharts;
    if (hartid >= MAX_HARTS)
        return 1;
    struct body *b = nbody_data[hartid].b;
    memcpy(b, initial, sizeof initial);
    offset_momentum(b);
    double e0 = energy(b);
    for (long s = 0; s < STEPS; s++)
        advance(b, 0.01);
    double e1 = energy(b);
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a over the final state's bits */
    for (int i = 0; i < NBODIES; i++) {
        const double *f = &b[i].x;
        for (int k = 0; k < 7; k++) {
            h ^= bits(f[k]);
            h *= 0x100000001b3ull;
        }
    }
    rt_printf("hart %d energy %016lx -> %016lx checksum %016lx\n", hartid, bits(e0), bits(e1), h);
    return 0;
}
