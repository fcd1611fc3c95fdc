/* The practices of a synthetic population: ODS-style codes, list sizes
 * that sum to the population, and each practice's deprivation profile. */
#ifndef RISTRA_SYNTH_PRACTICES_INTERNAL_H
#define RISTRA_SYNTH_PRACTICES_INTERNAL_H

#include <stdint.h>

typedef struct ristra__synth_practice {
    char code[8];         /* letter + 5 digits, NUL-terminated; unique */
    int64_t first;        /* index of its first patient in the file */
    int64_t size;         /* registered patients, >= 1 */
    double affluence;     /* centre of its patients' latent affluence (standard normal scale) */
} ristra__synth_practice;

/* n_practices practices (1 <= n_practices <= n_patients) whose sizes sum
 * to n_patients, sorted by code, first = running total. free() the array. */
int ristra__synth_practices(ristra__synth_practice **out, int64_t n_practices,
                            int64_t n_patients, uint64_t seed);

#endif
