/* The CPUs this process may use. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu_internal.h"

/* The CPU quota of a container, or 0 when there is none. */
static int cgroup_cpu_limit(void)
{
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r"); /* cgroup v2 */
    if (f) {
        char quota[32];
        long period = 0;
        int n = fscanf(f, "%31s %ld", quota, &period);
        fclose(f);
        if (n == 2 && period > 0 && quota[0] != 'm') { /* "max" means none */
            long q = strtol(quota, NULL, 10);
            if (q > 0)
                return (int)((q + period - 1) / period);
        }
        return 0;
    }
    f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", "r"); /* cgroup v1 */
    if (f) {
        long q = -1, period = 0;
        int ok = fscanf(f, "%ld", &q) == 1;
        fclose(f);
        f = fopen("/sys/fs/cgroup/cpu/cpu.cfs_period_us", "r");
        if (f) {
            ok = ok && fscanf(f, "%ld", &period) == 1;
            fclose(f);
        }
        if (ok && q > 0 && period > 0)
            return (int)((q + period - 1) / period);
    }
    return 0;
}

static int count_cpus(void)
{
    int n = 0;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        n = CPU_COUNT(&set);
#endif
    if (n <= 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        n = online > 0 ? (int)online : 1;
    }
    int limit = cgroup_cpu_limit();
    if (limit > 0 && limit < n)
        n = limit;
    return n > 0 ? n : 1;
}

/* The answer is cached for the life of the process: reading the affinity
 * mask and the cgroup files costs tens of microseconds, more than scoring
 * a practice. */
static pthread_once_t cpu_count_once = PTHREAD_ONCE_INIT;
static int cpu_count_cached = 1;

static void init_cpu_count(void)
{
    cpu_count_cached = count_cpus();
}

int ristra__cpu_count(void)
{
    pthread_once(&cpu_count_once, init_cpu_count);
    return cpu_count_cached;
}

int ristra__cpu_isa_supported(int isa)
{
    if (isa == RISTRA__ISA_SCALAR)
        return 1;
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (isa == RISTRA__ISA_AVX2)
        return __builtin_cpu_supports("avx2");
    if (isa == RISTRA__ISA_AVX512)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
#endif
    return 0;
}

static pthread_once_t isa_once = PTHREAD_ONCE_INIT;
static int isa_cached = RISTRA__ISA_SCALAR;

static void init_isa(void)
{
    int isa = RISTRA__ISA_AVX512;
    const char *force = getenv("RISTRA_FORCE_ISA");
    if (force && strcmp(force, "scalar") == 0)
        isa = RISTRA__ISA_SCALAR;
    else if (force && strcmp(force, "avx2") == 0)
        isa = RISTRA__ISA_AVX2;
    while (isa > RISTRA__ISA_SCALAR && !ristra__cpu_isa_supported(isa))
        isa--;
    isa_cached = isa;
}

int ristra__cpu_isa(void)
{
    pthread_once(&isa_once, init_isa);
    return isa_cached;
}
