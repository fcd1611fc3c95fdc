/* NHS numbers for synthetic patients: every valid number of the test range
 * 999 000 0000-999 999 9999 (never issued to a person), each at most once,
 * in an order that depends on the seed and looks random. */
#ifndef RISTRA_SYNTH_NHS_NUMBERS_INTERNAL_H
#define RISTRA_SYNTH_NHS_NUMBERS_INTERNAL_H

#include <stdint.h>

/* Six free digits follow "999"; the tenth digit is the check digit. */
#define RISTRA__NHS_TEST_TAILS 1000000u

typedef struct ristra__nhs_walk {
    uint64_t keys[4];   /* Feistel round keys, from the seed */
    uint32_t position;  /* how many tails have been visited */
} ristra__nhs_walk;

void ristra__nhs_walk_init(ristra__nhs_walk *w, uint64_t seed);

/* The seed's permutation of the tails [0, RISTRA__NHS_TEST_TAILS). */
uint32_t ristra__nhs_walk_permute(const ristra__nhs_walk *w, uint32_t tail);

/* Writes the next number's ten digits to out (no terminator) and returns 1;
 * returns 0 once all RISTRA_SYNTH_MAX_PATIENTS numbers have been given. */
int ristra__nhs_walk_next(ristra__nhs_walk *w, char out[10]);

#endif
