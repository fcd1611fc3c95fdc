/* Rejected rows described on request: the identifier and practice as
 * written, and the reason in the schema's words. */
#include <stdint.h>
#include <string.h>

#include "ristra/population.h"
#include "../common/error_internal.h"
#include "../common/struct_version_internal.h"
#include "reader_internal.h"

/* The text of header column c in row r ("" when the row is short). */
static void field_text(const ristra_population *pop, int64_t r, int32_t c, const char **f,
                       size_t *fl)
{
    const ristra__record *rec = &pop->rec[r];
    ristra__csv_field(pop->csv.buf + rec->start, rec->len, c, f, fl);
}

static const char *reason_text(ristra_population *pop, int64_t r)
{
    const ristra__record *rec = &pop->rec[r];
    ristra__reject_facts x = { pop->status[r], rec->bad_col, "", 0, rec->n_fields,
                               rec->other_line };
    field_text(pop, r, rec->bad_col, &x.text, &x.len);
    char msg[512];
    ristra__schema_reason(msg, sizeof msg, &pop->schema, &x);
    return ristra__arena_put(&pop->arena, msg, strlen(msg));
}

int ristra_population_reject_info(ristra_population_reject *out, const ristra_population *cpop,
                                  int64_t row)
{
    const char *fn = "ristra_population_reject_info";
    if (!out || !cpop)
        return ristra__error(RISTRA_EINVAL, "%s: %s is NULL", fn, out ? "pop" : "out");
    int rc = ristra__struct_check_out(out, &ristra__info_population_reject, fn);
    if (rc)
        return rc;
    if (row < 0 || row >= cpop->n_rows)
        return ristra__error(RISTRA_EINVAL, "%s: row %lld is not in the current block (0..%lld)",
                             fn, (long long)row, (long long)cpop->n_rows - 1);
    /* The arena is scratch that the caller cannot see change: the reader
     * is logically const here. */
    ristra_population *pop = (ristra_population *)(uintptr_t)cpop;
    const char *id = NULL, *pr = NULL;
    size_t idl = 0, prl = 0;
    field_text(pop, row, pop->schema.id_col, &id, &idl);
    field_text(pop, row, pop->schema.practice_col, &pr, &prl);
    ristra_population_reject r = RISTRA_POPULATION_REJECT_INIT;
    r.line = pop->lines[row];
    r.status = pop->status[row];
    r.nhs_number = ristra__arena_put(&pop->arena, id, idl);
    r.practice = ristra__arena_put(&pop->arena, pr, prl);
    r.reason = reason_text(pop, row);
    if (!r.nhs_number || !r.practice || !r.reason)
        return ristra__oom();
    return ristra__struct_store(out, &r, &ristra__info_population_reject, fn);
}
