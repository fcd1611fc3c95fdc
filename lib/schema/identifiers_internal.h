/* NHS numbers and ODS codes (public checks in include/ristra/identifiers.h). */
#ifndef RISTRA_IDENTIFIERS_INTERNAL_H
#define RISTRA_IDENTIFIERS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* The modulus-11 check digit of nine digits (each 0..9), or -1 when the
 * check value is 10 and no valid NHS number starts with these digits. */
int ristra__nhs_check_digit(const int digits[9]);

/* Parses a valid NHS number (see ristra_nhs_number_valid) into its value
 * as a 10-digit integer; returns 1, or 0 when it is not valid. */
int ristra__nhs_number_parse(const char *text, size_t len, uint64_t *value);

#endif
