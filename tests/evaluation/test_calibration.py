"""Calibration metrics and scalers, checked against sklearn and known generating models."""

import json

import numpy as np
import pytest
from scipy.special import expit
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, log_loss

from twoclass.calibration import (
    PlattScaling,
    TemperatureScaling,
    brier_score,
    calibrator_from_dict,
    expected_calibration_error,
    logit,
    reliability_curve,
)


def _miscalibrated(n=20000, a=2.0, b=0.5, seed=0):
    """Scores z from a model whose true probability is sigmoid(a*z + b)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    y = (rng.random(n) < expit(a * z + b)).astype(int)
    return z, y


def test_brier_matches_sklearn():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 500)
    p = rng.random(500)
    w = rng.uniform(0.1, 3.0, 500)
    assert brier_score(y, p) == pytest.approx(brier_score_loss(y, p), abs=1e-15)
    assert brier_score(y, p, w) == pytest.approx(brier_score_loss(y, p, sample_weight=w), abs=1e-15)


@pytest.mark.parametrize("n_bins", [1, 5, 10, 17])
def test_reliability_curve_matches_sklearn(n_bins):
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 400)
    p = rng.random(400) ** 2  # sparse upper bins, so empty bins get dropped
    p[:5] = [0.0, 1.0, 0.5, 0.1, 0.2]  # bin edges
    t, m, c = reliability_curve(y, p, n_bins=n_bins)
    st, sm = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
    np.testing.assert_allclose(t, st, atol=1e-12)
    np.testing.assert_allclose(m, sm, atol=1e-12)
    assert c.sum() == 400 and np.all(c > 0)


def test_expected_calibration_error_by_hand():
    y = np.array([0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.8, 0.9])
    # 2 bins: [0.1, 0.2] -> rate 0.5, mean 0.15 ; [0.8, 0.9] -> rate 1, mean 0.85
    assert expected_calibration_error(y, p, n_bins=2) == pytest.approx(0.5 * 0.35 + 0.5 * 0.15)
    z, yy = _miscalibrated(a=1.0, b=0.0)
    assert expected_calibration_error(yy, expit(z)) < 0.02  # calibrated model, small ECE


def test_logit_clips_and_inverts():
    p = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    z = logit(p)
    assert np.all(np.isfinite(z))
    np.testing.assert_allclose(expit(z[1:4]), p[1:4], atol=1e-12)


def test_platt_recovers_known_parameters_and_helps():
    z, y = _miscalibrated()
    cal = PlattScaling.fit(z, y)
    assert cal.a == pytest.approx(2.0, abs=0.1)
    assert cal.b == pytest.approx(0.5, abs=0.07)
    raw, fixed = expit(z), cal.transform(z)
    assert log_loss(y, fixed) < log_loss(y, raw) - 0.01
    assert brier_score(y, fixed) < brier_score(y, raw)
    assert expected_calibration_error(y, fixed) < expected_calibration_error(y, raw)


def test_platt_equals_sklearn_logistic_regression():
    z, y = _miscalibrated(n=3000, a=1.5, b=-0.3, seed=5)
    lr = LogisticRegression(C=1e6, tol=1e-10, max_iter=10000).fit(z[:, None], y)
    cal = PlattScaling.fit(z, y)
    assert cal.a == pytest.approx(lr.coef_[0, 0], abs=1e-3)
    assert cal.b == pytest.approx(lr.intercept_[0], abs=1e-3)
    np.testing.assert_allclose(cal.transform(z), lr.predict_proba(z[:, None])[:, 1], atol=1e-4)


def test_platt_sample_weight_equals_repetition():
    z, y = _miscalibrated(n=500, seed=6)
    w = np.random.default_rng(0).integers(1, 4, z.size)
    a = PlattScaling.fit(z, y, sample_weight=w)
    b = PlattScaling.fit(np.repeat(z, w), np.repeat(y, w))
    assert a.a == pytest.approx(b.a, abs=1e-4) and a.b == pytest.approx(b.b, abs=1e-4)


def test_platt_separable_data_stays_finite():
    cal = PlattScaling.fit([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0], [0, 0, 0, 1, 1, 1])
    assert np.isfinite(cal.a) and cal.a > 0


def test_temperature_recovers_known_temperature():
    z, y = _miscalibrated(a=2.0, b=0.0, seed=3)
    cal = TemperatureScaling.fit(z, y)
    assert cal.temperature == pytest.approx(0.5, abs=0.03)
    assert log_loss(y, cal.transform(z)) < log_loss(y, expit(z))


def test_temperature_is_the_log_loss_minimum():
    z, y = _miscalibrated(n=2000, a=0.7, b=0.0, seed=4)
    cal = TemperatureScaling.fit(z, y)
    grid = np.linspace(0.5, 3.0, 2501)
    s = z[None, :] / grid[:, None]
    losses = np.mean(np.logaddexp(0, s) - y * s, axis=1)  # log loss per temperature, by definition
    assert losses.min() == pytest.approx(log_loss(y, cal.transform(z)), abs=1e-6)
    assert cal.temperature == pytest.approx(grid[int(np.argmin(losses))], abs=2e-3)


def test_round_trip_through_json():
    z, y = _miscalibrated(n=500)
    for cal in (PlattScaling.fit(z, y), TemperatureScaling.fit(z, y)):
        back = calibrator_from_dict(json.loads(json.dumps(cal.to_dict())))
        assert back == cal and type(back) is type(cal)
        np.testing.assert_array_equal(back.transform(z), cal.transform(z))


@pytest.mark.parametrize(
    "d, match",
    [
        ({"kind": "isotonic"}, "kind"),
        ({"kind": "platt", "a": 1.0}, "platt"),
        ({"kind": "temperature", "temperature": -1.0}, "temperature"),
        ({"kind": "platt", "a": "x", "b": 0.0}, "finite numbers"),
        ([1, 2], "kind"),
    ],
)
def test_bad_records(d, match):
    with pytest.raises(ValueError, match=match):
        calibrator_from_dict(d)


def test_bad_inputs():
    with pytest.raises(ValueError, match="both classes"):
        PlattScaling.fit([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="same length"):
        TemperatureScaling.fit([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="'logits'.*finite"):
        PlattScaling.fit([0.1, np.inf], [0, 1])
    with pytest.raises(ValueError, match="'proba'.*\\[0, 1\\]"):
        brier_score([0, 1], [0.2, 1.5])
    with pytest.raises(ValueError, match="'n_bins'.*int >= 1"):
        reliability_curve([0, 1], [0.2, 0.5], n_bins=0)
