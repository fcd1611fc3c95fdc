/* What the machine offers. */
#ifndef RISTRA_CPU_INTERNAL_H
#define RISTRA_CPU_INTERNAL_H

/* Number of CPUs this process may run on (affinity mask and cgroup CPU
 * quota, v1 or v2), at least 1; measured once per process. */
int ristra__cpu_count(void);

/* Instruction sets the vector kernels are written for, in increasing order
 * (RISTRA__ISA_AVX512 means AVX-512 F and BW). */
enum { RISTRA__ISA_SCALAR = 0, RISTRA__ISA_AVX2 = 1, RISTRA__ISA_AVX512 = 2 };

/* Whether this CPU (and its operating system) runs code for isa. */
int ristra__cpu_isa_supported(int isa);

/* The instruction set the kernels use: the best this CPU supports, or a
 * lower one named by the environment variable RISTRA_FORCE_ISA ("scalar",
 * "avx2" or "avx512"; one the CPU lacks is lowered to the best it has).
 * Decided once per process. */
int ristra__cpu_isa(void);

#endif
