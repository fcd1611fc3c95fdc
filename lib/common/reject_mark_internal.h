/* The values of a row the population reader rejected: NaNs that carry the
 * reader's status, so that scoring them (the README's loop over
 * ristra_population_read() hands every row of a block to
 * ristra_model_score()) reports the reader's status instead of scoring a
 * row of "missing" values.
 *
 * The mark is a quiet NaN whose payload holds a 14-bit tag and the 8-bit
 * status in the payload bits a float32 keeps: converting the block to
 * float32 (cvtsd2ss keeps the top payload bits) and back keeps the mark.
 * Arithmetic NaNs (0/0), NaN parsed from text and R's NA never carry the
 * tag. */
#ifndef RISTRA_REJECT_MARK_INTERNAL_H
#define RISTRA_REJECT_MARK_INTERNAL_H

#include <stdint.h>
#include <string.h>

enum { RISTRA__REJECT_TAG = 0x1A5E };

/* Bits 50..29 of a double are bits 21..0 of the float32 it converts to. */
#define RISTRA__REJECT_SHIFT 29
#define RISTRA__REJECT_PAYLOAD_MASK (UINT64_C(0x3FFFFF) << RISTRA__REJECT_SHIFT)

static inline double ristra__reject_mark(int status)
{
    uint64_t payload = ((uint64_t)RISTRA__REJECT_TAG << 8) | (uint64_t)(status & 0xFF);
    uint64_t bits = UINT64_C(0x7FF8000000000000) | (payload << RISTRA__REJECT_SHIFT);
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The status a marked value carries, or 0 for any other value (call it
 * only for NaNs: it is off the hot path). */
static inline int ristra__reject_mark_status(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if ((bits & UINT64_C(0x7FF8000000000000)) != UINT64_C(0x7FF8000000000000) ||
        (bits & ~(RISTRA__REJECT_PAYLOAD_MASK | UINT64_C(0xFFF8000000000000))) != 0)
        return 0;
    uint64_t payload = (bits & RISTRA__REJECT_PAYLOAD_MASK) >> RISTRA__REJECT_SHIFT;
    if ((payload >> 8) != RISTRA__REJECT_TAG)
        return 0;
    return (int)(payload & 0xFF);
}

#endif
