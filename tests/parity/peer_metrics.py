"""Independent reference computations shared by the audit and drift parity
tests: Wilson intervals, DeLong's AUROC variance from midranks (pandas'
rank), and the calibration slope from scikit-learn's unpenalised
LogisticRegression."""
import math

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

Z = 1.959963984540054  # qnorm(0.975)


def wilson(x, n):
    if n == 0:
        return (math.nan, math.nan, math.nan)
    p = x / n
    z2 = Z * Z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (p, 0.0 if x == 0 else centre - half, 1.0 if x == n else centre + half)


def delong_variance(y, p):
    pos, neg = p[y == 1], p[y == 0]
    m, n = len(pos), len(neg)
    if m < 2 or n < 2:
        return math.nan
    allr = pd.Series(np.concatenate([pos, neg])).rank().to_numpy()
    v10 = (allr[:m] - pd.Series(pos).rank().to_numpy()) / n
    v01 = 1 - (allr[m:] - pd.Series(neg).rank().to_numpy()) / m
    return v10.var(ddof=1) / m + v01.var(ddof=1) / n


def delong(y, p):
    """pROC's ci.auc(method = "delong") interval, clipped to [0, 1]."""
    v = delong_variance(y, p)
    if math.isnan(v):
        return (math.nan, math.nan)
    pos, neg = p[y == 1], p[y == 0]
    allr = pd.Series(np.concatenate([pos, neg])).rank().to_numpy()
    auc = (allr[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))
    s = math.sqrt(v)
    return (max(auc - Z * s, 0.0), min(auc + Z * s, 1.0))


def slope(y, p):
    if y.min() == y.max():
        return math.nan
    x = np.log(np.clip(p, 1e-15, 1 - 1e-15) / (1 - np.clip(p, 1e-15, 1 - 1e-15)))
    fit = LogisticRegression(penalty=None, solver="newton-cg", tol=1e-10,
                             max_iter=100).fit(x[:, None], y)
    return fit.coef_[0][0]
