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

/* The one identifier check of the reader: whether text[0..len) is an
 * identifier of `kind` (a ristra_id_kind). Returns RISTRA_ROW_OK and sets
 * *key, or the row status that rejects it (RISTRA_ROW_BAD_NHS_NUMBER,
 * RISTRA_ROW_BAD_PSEUDONYM). The key finds repeated identifiers: an NHS
 * number's value, or a nonzero 64-bit hash of a pseudonym (two different
 * pseudonyms with one hash would be taken for a repeat: for n rows the odds
 * are about n^2 / 2^65, 1 in 10,000 for 63 million). */
int ristra__identifier_check(int kind, const char *text, size_t len, uint64_t *key);

#endif
