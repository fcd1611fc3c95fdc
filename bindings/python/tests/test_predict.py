"""Model.predict: what it passes to ristra_model_score (no copy when the
block is usable as it is), conversions, DataFrame column matching, rejected
rows and argument errors."""
import numpy as np
import pandas as pd
import pytest

import ristra
from ristra import _lib

NAN = float("nan")


@pytest.fixture
def score_calls(monkeypatch):
    """Records the arguments of every ristra_model_score call (and makes it)."""
    lib = _lib.lib()
    real = lib.ristra_model_score
    calls = []

    def spy(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(lib, "ristra_model_score", spy)
    return calls


def patients(n, seed=1):
    """A plausible block for the example model, in its feature order."""
    rng = np.random.default_rng(seed)
    return np.column_stack([
        rng.integers(0, 100, n), rng.integers(0, 2, n), rng.integers(1, 11, n),
        rng.poisson(1.0, n), rng.poisson(0.3, n), rng.poisson(0.5, n), rng.integers(0, 2, n),
    ]).astype(np.float64)


def passed_block(call):
    """(address, dtype code, n_rows, n_cols, row_stride) of one recorded call."""
    return call[4], call[5], call[6], call[7], call[8]


def passed_strides(call):
    """(row_stride, col_stride) of one recorded call."""
    return call[8], call[9]


@pytest.mark.parametrize("dtype,code", [(np.float64, 2), (np.float32, 1)])
def test_c_contiguous_float_block_is_passed_without_a_copy(example_model, score_calls, dtype, code):
    X = patients(100).astype(dtype)
    example_model.predict(X)
    assert passed_block(score_calls[0]) == (X.ctypes.data, code, 100, 7, 7)
    assert passed_strides(score_calls[0]) == (7, 1)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_fortran_ordered_block_is_passed_without_a_copy_and_scores_bit_identically(
        example_model, score_calls, dtype):
    X = patients(300).astype(dtype)
    F = np.asfortranarray(X)
    for output in ("probability", "margin"):
        want = example_model.predict(X, output=output)
        got = example_model.predict(F, output=output)
        assert got.tobytes() == want.tobytes()
    call = score_calls[1]
    assert call[4] == F.ctypes.data and passed_strides(call) == (1, 300)


def test_strided_columns_are_passed_without_a_copy(example_model, score_calls):
    X = patients(40)
    S = np.repeat(X, 2, axis=1)[:, ::2]          # every other column of a wider block
    FS = np.asfortranarray(np.repeat(X, 3, axis=0))[::3]   # every third row, column-major
    want = example_model.predict(X)
    assert example_model.predict(S).tobytes() == want.tobytes()
    assert example_model.predict(FS).tobytes() == want.tobytes()
    assert score_calls[1][4] == S.ctypes.data and passed_strides(score_calls[1]) == (14, 2)
    assert score_calls[2][4] == FS.ctypes.data and passed_strides(score_calls[2]) == (3, 120)


def test_a_dataframe_is_passed_column_major(example_model, score_calls):
    X = patients(60)
    df = pd.DataFrame(X, columns=example_model.feature_names)
    assert example_model.predict(df).tobytes() == example_model.predict(X).tobytes()
    assert passed_strides(score_calls[0]) == (1, 60)


def test_padded_rows_are_passed_without_a_copy_with_their_row_stride(example_model, score_calls):
    wide = np.full((50, 10), 1e300)
    wide[:, :7] = patients(50)
    X = wide[:, :7]
    got = example_model.predict(X)
    assert passed_block(score_calls[0]) == (X.ctypes.data, 2, 50, 7, 10)
    np.testing.assert_array_equal(got, example_model.predict(np.ascontiguousarray(X)))


@pytest.mark.parametrize("convert", [
    lambda X: X.astype(np.int64),
    lambda X: X.astype(">f8"),
    lambda X: X.tolist(),
], ids=["int64", "big-endian", "list"])
def test_other_layouts_and_dtypes_are_converted_once_and_score_the_same(example_model, score_calls,
                                                                        convert):
    X = patients(40)
    want = example_model.predict(X)
    got = example_model.predict(convert(X))
    np.testing.assert_array_equal(got, want)
    address, code, _, _, stride = passed_block(score_calls[1])
    assert code == 2 and stride == 7
    assert address != X.ctypes.data


def test_broadcast_rows_sharing_memory_are_copied(example_model, score_calls):
    X = patients(5)
    B = np.broadcast_to(X[:1], (30, 7))           # row stride 0: every row at one address
    np.testing.assert_array_equal(example_model.predict(B),
                                  np.repeat(example_model.predict(X[:1]), 30))
    assert score_calls[0][4] != B.ctypes.data and passed_strides(score_calls[0]) == (7, 1)


def test_reversed_rows_are_copied_and_scored_in_their_order(example_model, score_calls):
    X = patients(40)
    np.testing.assert_array_equal(example_model.predict(X[::-1]), example_model.predict(X)[::-1])
    assert passed_block(score_calls[0])[4] == 7


def test_one_dimensional_input_is_refused_with_a_hint(example_model):
    with pytest.raises(ristra.InvalidArgumentError, match=r"2-D.*reshape\(1, -1\)"):
        example_model.predict(np.zeros(7))


def test_wrong_column_count_raises_the_librarys_message(example_model):
    with pytest.raises(ristra.InvalidArgumentError) as e:
        example_model.predict(np.zeros((3, 6)))
    assert e.value.code == -2
    assert "n_cols is 6 but the model has 7 features" in str(e.value)
    assert isinstance(e.value, ValueError)


def test_unknown_output_is_refused(example_model):
    with pytest.raises(ristra.InvalidArgumentError, match="probability"):
        example_model.predict(patients(2), output="prob")


def test_negative_thread_count_is_refused_by_the_library(example_model):
    with pytest.raises(ristra.InvalidArgumentError, match="n_threads"):
        example_model.predict(patients(2), n_threads=-1)


def test_margin_and_probability_are_related_by_the_logit_link(example_model):
    X = patients(200)
    margin = example_model.predict(X, output="margin")
    np.testing.assert_allclose(example_model.predict(X), 1 / (1 + np.exp(-margin)), rtol=1e-15)


def test_all_threads_and_one_thread_give_identical_results(example_model):
    X = patients(40000)
    np.testing.assert_array_equal(example_model.predict(X, n_threads=0),
                                  example_model.predict(X, n_threads=1))


def test_an_empty_block_gives_empty_results(example_model):
    values, status = example_model.predict(np.empty((0, 7)), return_status=True)
    assert values.shape == (0,) and status.shape == (0,)


def test_rejected_rows_are_nan_with_their_status(example_model):
    X = patients(4)
    X[1, 0] = NAN     # age: policy "reject"
    X[2, 0] = 150     # age: valid range [0, 120]
    X[3, 2] = NAN     # imd_decile: imputed with 5
    values, status = example_model.predict(X, return_status=True)
    assert status.dtype == np.int32
    assert list(status) == [ristra.RowStatus.OK, ristra.RowStatus.MISSING,
                            ristra.RowStatus.OUT_OF_RANGE, ristra.RowStatus.OK]
    assert np.isnan(values[1]) and np.isnan(values[2]) and not np.isnan(values[[0, 3]]).any()
    imputed = X[3:4].copy()
    imputed[0, 2] = 5
    assert values[3] == example_model.predict(imputed)[0]
    assert ristra.row_status_string(status[2]) == "value out of range"


def frame(model, n=30):
    return pd.DataFrame(patients(n), columns=model.feature_names)


def test_dataframe_columns_are_matched_by_name_and_extras_ignored(example_model):
    df = frame(example_model)
    want = example_model.predict(df.to_numpy())
    shuffled = df[df.columns[::-1]].assign(nhs_number="9434765919", practice="C81010")
    np.testing.assert_array_equal(example_model.predict(shuffled), want)


def test_missing_dataframe_columns_are_all_named(example_model):
    df = frame(example_model).drop(columns=["age", "care_home", "n_ltc"])
    with pytest.raises(ristra.NotFoundError) as e:
        example_model.predict(df)
    assert e.value.code == -8
    assert "lacks 3 of the model's 7 features: age, n_ltc, care_home" in str(e.value)


def test_pandas_missing_values_count_as_missing(example_model):
    X = patients(3)
    X[1, 0] = X[0, 2] = X[0, 3] = NAN
    df = pd.DataFrame(X, columns=example_model.feature_names)
    df["age"] = pd.array([X[0, 0], pd.NA, X[2, 0]], dtype="Int64")
    df["imd_decile"] = pd.array([pd.NA, X[1, 2], X[2, 2]], dtype="Float64")
    df["n_ltc"] = pd.Series([None, X[1, 3], X[2, 3]], dtype=object)
    df["female"] = df["female"].astype(bool)
    got, status = example_model.predict(df, return_status=True)
    want, want_status = example_model.predict(X, return_status=True)
    np.testing.assert_array_equal(got, want)
    assert list(status) == list(want_status) == [0, ristra.RowStatus.MISSING, 0]


def test_a_non_numeric_column_is_named(example_model):
    df = frame(example_model).assign(imd_decile="most deprived")
    with pytest.raises(ristra.InvalidArgumentError, match="column 'imd_decile' .* not numeric"):
        example_model.predict(df)


def test_a_duplicated_feature_column_is_refused(example_model):
    df = frame(example_model)
    df = pd.concat([df, df[["n_ltc"]]], axis=1)
    with pytest.raises(ristra.InvalidArgumentError, match="more than one column named 'n_ltc'"):
        example_model.predict(df)
