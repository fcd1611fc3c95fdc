/* What the machine offers. */
#ifndef RISTRA_CPU_INTERNAL_H
#define RISTRA_CPU_INTERNAL_H

/* Number of CPUs this process may run on (affinity mask and cgroup CPU
 * quota, v1 or v2), at least 1; measured once per process. */
int ristra__cpu_count(void);

#endif
