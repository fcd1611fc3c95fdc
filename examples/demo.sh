#!/bin/sh
# The README's main job, end to end (`make demo` runs this after building):
#   1. a synthetic commissioning area: 315,000 patients in 32 practices;
#   2. scored with both shipped demonstration models (trained on synthetic
#      data: NOT FOR CLINICAL USE);
#   3. the per-practice summary printed: list size, patients per risk tier,
#      expected and observed admissions, AUROC.
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
    "$RISTRA" score --model "$model" --input "$OUT/ccg.csv.gz" \
        --output "$OUT/ranked_$kind.csv.gz" --rejects "$OUT/rejects_$kind.csv" \
        --summary "$OUT/summary_$kind.csv"
done

# Prints a summary CSV as an aligned table (fields are never quoted: codes,
# numbers and the tier names).
table() {
    awk -F, '
        NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i; n = NF }
        { for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
        END {
            for (r = 1; r <= NR; r++) {
                line = ""
                for (i = 1; i <= n; i++) {
                    v = c[r, i]
                    if (r > 1 && v ~ /^-?[0-9.]+(e-?[0-9]+)?$/ && v ~ /\./) v = sprintf("%.4f", v)
                    line = line sprintf(i == 1 ? "%-*s" : "  %*s", w[i] > 6 ? w[i] : 6, v)
                }
                print line
            }
        }' "$1"
}

echo
echo "== 3. per-practice summary, gradient-boosted model ($OUT/summary_gbdt.csv)"
table "$OUT/summary_gbdt.csv"
echo
echo "Both models on the whole area (the line ALL of each summary):"
for kind in logistic gbdt; do
    printf '  %-9s' "$kind"
    awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[i] = $i }
             $1 == "ALL" { for (i = 2; i <= NF; i++) printf "%s=%s ", h[i], $i; print "" }' \
        "$OUT/summary_$kind.csv"
done
echo
echo "The ranked lists are $OUT/ranked_logistic.csv.gz and $OUT/ranked_gbdt.csv.gz."
echo "Demonstration models, synthetic patients: NOT FOR CLINICAL USE."
