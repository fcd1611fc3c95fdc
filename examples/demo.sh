#!/bin/sh
# The README's main job, end to end (`make demo` runs this after building):
#   1. a synthetic commissioning area: 315,000 patients in 32 practices;
#   2. scored with both shipped demonstration models (trained on synthetic
#      data: NOT FOR CLINICAL USE);
#   3. the per-practice summary printed: list size, patients per risk tier,
#      expected and observed admissions, AUROC;
#   4. the report a practice manager reads (self-contained HTML; printed last).
# Usage: examples/demo.sh RISTRA_BINARY OUTPUT_DIR
set -eu
RISTRA=${1:-build/bindings/cli/ristra}
OUT=${2:-build/demo}
cd "$(dirname "$0")/.."
mkdir -p "$OUT"

echo "== 1. synthetic population (ristra synth)"
"$RISTRA" synth --patients 315000 --practices 32 --seed 1 --output "$OUT/ccg.csv.gz"
echo "wrote $OUT/ccg.csv.gz"

for kind in logistic gbdt; do
    case $kind in
        logistic) model=models/demo_logistic.json ;;
        gbdt) model=models/demo_gbdt.json.gz ;;
    esac
    echo
    echo "== 2. score with $model (ristra score)"
    mkdir -p "$OUT/report_$kind"
    "$RISTRA" score --model "$model" --input "$OUT/ccg.csv.gz" \
        --output "$OUT/ranked_$kind.csv.gz" --rejects "$OUT/rejects_$kind.csv" \
        --summary "$OUT/summary_$kind.csv" --report-dir "$OUT/report_$kind" --reasons 3
done

# Prints a summary CSV as an aligned table, up to the model columns (the
# fields before them are never quoted: codes, numbers and the tier names).
table() {
    awk -F, '
        function fmt(v) {
            if (v ~ /^-?[0-9]*\.[0-9]+(e-?[0-9]+)?$/) return sprintf("%.4f", v)
            return v
        }
        NR == 1 { for (i = 1; i <= NF; i++) if ($i == "model_name") stop = i - 1 }
        { n = stop ? stop : NF; for (i = 1; i <= n; i++) { v = NR > 1 ? fmt($i) : $i; c[NR, i] = v
                                             if (length(v) > w[i]) w[i] = length(v) } }
        END {
            for (r = 1; r <= NR; r++) {
                line = sprintf("%-*s", w[1], c[r, 1])
                for (i = 2; i <= n; i++) line = line sprintf("  %*s", w[i], c[r, i])
                print line
            }
        }' "$1"
}

echo
echo "== 3. per-practice summary, gradient-boosted model ($OUT/summary_gbdt.csv)"
table "$OUT/summary_gbdt.csv"
echo
echo "Both models on the whole area (line ALL of each summary):"
for kind in logistic gbdt; do
    awk -F, -v kind="$kind" '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i }
        $1 == "ALL" { printf "  %-9s expected %.1f, observed %d, O/E %.3f, AUROC %.4f\n", kind,
                      $col["expected_admissions"], $col["observed_admissions"],
                      $col["observed_expected"], $col["auroc"] }' "$OUT/summary_$kind.csv"
done
echo
# The ranked list is by practice and rank: the first practice's first five
# rows, with the readable reason columns (quoted CSV fields, split here).
echo "== 4. why? the top five patients of the first practice, gradient-boosted model,"
echo "      with their three leading reasons (ristra score --reasons 3)"
gzip -dc "$OUT/ranked_gbdt.csv.gz" | awk '
    function split_csv(line, f,    n, i, c, q, v) {
        n = 0; v = ""; q = 0
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (q) { if (c == "\"" && substr(line, i + 1, 1) == "\"") { v = v c; i++ }
                     else if (c == "\"") q = 0; else v = v c }
            else if (c == "\"") q = 1
            else if (c == ",") { f[++n] = v; v = "" }
            else v = v c
        }
        f[++n] = v
        return n
    }
    NR == 1 { n = split_csv($0, h); for (i = 1; i <= n; i++) col[h[i]] = i; next }
    { split_csv($0, f) }
    NR > 1 && (practice == "" || f[col["practice"]] == practice) && shown < 5 {
        practice = f[col["practice"]]; shown++
        printf "  %s  rank %d  NHS number %s  risk %.3f\n", practice, f[col["rank_in_practice"]],
               f[col["nhs_number"]], f[col["risk"]]
        for (k = 1; k <= 3; k++) if (f[col["reason" k]] != "") printf "      %s\n", f[col["reason" k]]
    }'
echo
echo "The ranked lists are $OUT/ranked_logistic.csv.gz and $OUT/ranked_gbdt.csv.gz."
echo "Demonstration models, synthetic patients: NOT FOR CLINICAL USE."

echo
echo "== 5. the run record of the gradient-boosted run ($OUT/ranked_gbdt.csv.gz.manifest.json)"
cat "$OUT/ranked_gbdt.csv.gz.manifest.json"
echo
echo "== 6. ristra verify: every file as the manifest records it"
"$RISTRA" verify "$OUT/ranked_gbdt.csv.gz.manifest.json"
echo
echo "== 7. the report (area page; one page per practice beside it; docs/report.md)"
echo "$OUT/report_gbdt/index.html"
