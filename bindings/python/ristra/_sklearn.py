"""The scikit-learn face of ristra.Model: a fitted binary classifier.

A ristra model is fitted elsewhere (fit_logistic, convert_xgboost, a model
file), so it behaves as scikit-learn's *prefit* estimators do: it is
always fitted, ``fit`` changes nothing, and ``predict_proba`` gives the
library's calibrated probabilities. That is what
``CalibrationDisplay.from_estimator``, ``RocCurveDisplay.from_estimator``,
``cross_val_predict(..., method="predict_proba")`` and pipelines need.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from ._model import Model


class ClassifierMixin:
    """Methods and attributes scikit-learn looks for on a classifier."""

    _estimator_type = "classifier"

    @property
    def classes_(self) -> npt.NDArray[np.int64]:
        """The two outcomes, [0, 1]: column 1 of predict_proba is P(outcome = 1)."""
        return np.array([0, 1], dtype=np.int64)

    @property
    def n_features_in_(self) -> int:
        """The number of features the model scores (scikit-learn's name)."""
        return cast("Model", self).n_features

    @property
    def feature_names_in_(self) -> npt.NDArray[np.object_]:
        """The model's feature names, in the order a 2-D array's columns take."""
        return np.array(cast("Model", self).feature_names, dtype=object)

    def __sklearn_is_fitted__(self) -> bool:
        return True

    def fit(self, X: Any = None, y: Any = None, **_: Any) -> Model:
        """Returns the model unchanged: ristra models come fitted (use
        ristra.fit_logistic to fit one). Present so that scikit-learn's
        tools that call fit (cross_val_predict, pipelines) can use it."""
        return cast("Model", self)

    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """P(outcome = 0) and P(outcome = 1) for each row of X (a DataFrame
        matched by column name, or a 2-D array in feature order): shape
        (n, 2), as scikit-learn's classifiers return. Rows that cannot be
        scored are NaN in both columns.

        >>> import numpy as np, ristra
        >>> model = ristra.Model.load("models/example_logistic.json")
        >>> X = np.full((1, model.n_features_in_), 1.0)
        >>> model.predict_proba(X).shape
        (1, 2)
        """
        p = cast("Model", self).predict(X)
        return np.column_stack([1.0 - p, p])

    def decision_function(self, X: Any) -> npt.NDArray[np.float64]:
        """The margin (log-odds) of each row, as scikit-learn's decision_function."""
        return cast("Model", self).predict(X, output="margin")

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """scikit-learn's parameters: the model itself, as its file's bytes
        (so sklearn.base.clone gives an equal model)."""
        source = getattr(self, "_source", None)
        if source is None:
            source = cast("Model", self).to_bytes()
            cast("Model", self)._source = source
        return {"source": source}

    def set_params(self, **params: Any) -> Model:
        if set(params) - {"source"}:
            raise ValueError(f"ristra.Model has one parameter, source; not {sorted(params)}")
        return cast("Model", self)

    def score(self, X: Any, y: Any) -> float:
        """The AUROC of the model on X against outcomes y (ristra.evaluate),
        scikit-learn's default score being accuracy, which risk
        stratification does not use."""
        from ._evaluate import evaluate
        return float(evaluate(y, cast("Model", self).predict(X)).overall["auroc"])
