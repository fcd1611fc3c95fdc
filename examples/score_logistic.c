/*
 * score_logistic: the smallest complete use of libristra, for GP-system
 * integrators to copy. Load a model once, score a block of patients, and
 * deal with every error and every rejected row.
 *
 *   score_logistic models/example_logistic.json
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <ristra/ristra.h>

enum { N_PATIENTS = 5 };

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s MODEL.json\n", argv[0]);
        return 2;
    }
    /* Refuse a library from another major version than these headers. */
    if (ristra_version() / 10000 != RISTRA_VERSION_MAJOR) {
        fprintf(stderr, "libristra %s does not match headers %s\n", ristra_version_string(),
                RISTRA_VERSION_STRING);
        return 1;
    }

    ristra_model *model = NULL;
    int rc = ristra_model_load(&model, argv[1]);
    if (rc != RISTRA_OK) {
        fprintf(stderr, "cannot load model: %s (%s)\n", ristra_last_error(), ristra_strerror(rc));
        return 1;
    }

    /* The block's columns are the model's features, in the model's order. */
    const int64_t n_features = ristra_model_n_features(model);
    printf("model: %s\nfeatures:", ristra_model_metadata(model));
    for (int64_t j = 0; j < n_features; j++) {
        ristra_feature_info info = RISTRA_FEATURE_INFO_INIT;
        if (ristra_model_feature(&info, model, j) == RISTRA_OK)
            printf(" %s", info.name);
    }
    printf("\n");
    if (n_features != 7) {
        fprintf(stderr, "this example's patients have 7 columns; the model wants %lld\n",
                (long long)n_features);
        ristra_model_free(model);
        return 1;
    }

    /* age, female, imd_decile, n_ltc, prior_emergency_admissions,
     * ae_attendances, care_home; NaN is a missing value. */
    const double patients[N_PATIENTS][7] = {
        { 34, 1, 6, 0, 0, 0, 0 },
        { 71, 0, 2, 3, 1, 2, 0 },
        { 88, 1, 4, 5, 2, 3, 1 },
        { 55, 0, NAN, 1, 0, NAN, 0 }, /* missing values with an impute policy: scored */
        { NAN, 1, 3, 2, 0, 1, 0 },    /* age missing, policy "reject": not scored */
    };
    double risk[N_PATIENTS], margin[N_PATIENTS];
    int32_t status[N_PATIENTS];
    ristra_score_options opts = RISTRA_SCORE_OPTIONS_INIT;

    rc = ristra_model_score(risk, margin, status, model, patients, RISTRA_FLOAT64, N_PATIENTS,
                            7, 7, 1, &opts);
    if (rc != RISTRA_OK) {
        fprintf(stderr, "scoring failed: %s\n", ristra_last_error());
        ristra_model_free(model);
        return 1;
    }
    printf("patient  risk      log-odds  status\n");
    for (int i = 0; i < N_PATIENTS; i++) {
        if (status[i] == RISTRA_ROW_OK)
            printf("%7d  %.6f  %8.4f  ok\n", i + 1, risk[i], margin[i]);
        else
            printf("%7d  -         -         not scored: %s\n", i + 1,
                   ristra_row_status_string(status[i]));
    }
    ristra_model_free(model);
    return 0;
}
