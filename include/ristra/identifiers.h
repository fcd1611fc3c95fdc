/*
 * ristra: NHS identifiers. NHS numbers and ODS practice codes are checked
 * the way NHS systems check them, so that a population file with a
 * mistyped identifier is caught before anyone is scored.
 */
#ifndef RISTRA_IDENTIFIERS_H
#define RISTRA_IDENTIFIERS_H

#include "ristra/common.h"

RISTRA_BEGIN_DECL

/**
 * Whether text[0..len) is a valid NHS number: ten digits, written either
 * together ("9434765919") or in the 3-3-4 display form with single spaces
 * ("943 476 5919"), whose tenth digit is the modulus-11 check digit of the
 * first nine (weights 10 down to 2; a check value of 10 is never valid).
 * @return 1 if valid, 0 otherwise (including NULL).
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_nhs_number_valid(const char *text, size_t len);

/**
 * Whether text[0..len) is a valid NHS number in the test range
 * 999 000 0000 to 999 999 9999, which passes the check but is never issued
 * to a patient (synthetic populations use it).
 * @return 1 or 0.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_nhs_number_is_test(const char *text, size_t len);

/**
 * Whether text[0..len) is an ODS code of the form GP practices have: one
 * upper-case letter followed by five digits (e.g. "C81010").
 * @return 1 or 0.
 * @thread_safety Safe.
 * @since 1.0.0
 */
RISTRA_API int ristra_ods_practice_code_valid(const char *text, size_t len);

RISTRA_END_DECL

#endif /* RISTRA_IDENTIFIERS_H */
