"""Pictures of what the library computed, with matplotlib (imported only
when a plot is drawn): calibration of an evaluation, the risk
distribution by tier of a ranked list, and each practice's observed /
expected admissions. Each draws on ``ax`` (a new figure's axes when None)
and returns the axes, as pandas' and seaborn's plotting functions do."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._evaluate import Evaluation


def _axes(ax: Any) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(6, 4.5))[1]


def plot_calibration(evaluation: Evaluation, group: Any = None, ax: Any = None) -> Any:
    """Observed admission rate against mean predicted risk per risk bin
    (Evaluation.calibration), with the Wilson intervals the library gives,
    and the diagonal of perfect calibration.

    >>> import ristra
    >>> ev = ristra.evaluate([0, 0, 1, 1, 0, 1], [0.1, 0.2, 0.7, 0.8, 0.3, 0.6], n_bins=2)
    >>> ax = ristra.plot_calibration(ev)
    >>> ax.get_xlabel()
    'mean predicted risk'
    """
    ax = _axes(ax)
    bins = evaluation.calibration(group)
    lo = (bins["observed_rate"] - bins["observed_lower"]).clip(lower=0)
    hi = (bins["observed_upper"] - bins["observed_rate"]).clip(lower=0)
    top = float(max(bins["max_risk"].max(), bins["observed_upper"].max(), 1e-3))
    ax.plot([0, top], [0, top], color="grey", linestyle="--", linewidth=1, label="perfect")
    ax.errorbar(bins["mean_risk"], bins["observed_rate"], yerr=[lo, hi], marker="o",
                linestyle="-", capsize=3, label="observed (95% interval)")
    ax.set_xlabel("mean predicted risk")
    ax.set_ylabel("observed admission rate")
    ax.set_title("calibration" + ("" if group is None else f": {group}"))
    ax.legend(loc="upper left")
    return ax


def plot_risk_by_tier(ranked: Any, ax: Any = None) -> Any:
    """The distribution of risk in each tier of a ranked list (the
    DataFrame :func:`ristra.score` returns), highest tier first, on a log
    scale (risks span orders of magnitude)."""
    ax = _axes(ax)
    order = (ranked.groupby("tier", sort=False)["risk"].min()
             .sort_values(ascending=False).index.tolist())
    data = [ranked.loc[ranked["tier"] == t, "risk"].to_numpy() for t in order]
    ax.boxplot(data, vert=True, showfliers=False)
    ax.set_xticks(range(1, len(order) + 1), [f"{t}\n(n={len(d)})" for t, d in zip(order, data)])
    ax.set_yscale("log")
    ax.set_ylabel("predicted risk")
    ax.set_title("risk by tier")
    return ax


def plot_observed_expected(practices: Any, ax: Any = None) -> Any:
    """Each practice's observed / expected admissions (the ``practices``
    table of :func:`ristra.score_file` on a population with outcomes),
    sorted, with the line O/E = 1."""
    if "observed_expected" not in practices.columns:
        raise ValueError("practices has no observed_expected column: score a population "
                         "with outcomes (outcome_column) to compare observed and expected")
    ax = _axes(ax)
    table = practices.sort_values("observed_expected")
    ax.barh(table["practice"].astype(str), table["observed_expected"])
    ax.axvline(1.0, color="grey", linestyle="--", linewidth=1)
    ax.set_xlabel("observed / expected admissions")
    ax.set_title("observed / expected by practice")
    return ax
