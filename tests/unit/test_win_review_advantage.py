"""The quarter's review states the win model's advantage over the score as training
judged it: the AUC difference with its interval, and the calibration error with its bound
(the same figures, printed the same way, as `leadflow model train` gives its verdict)."""

from __future__ import annotations

import datetime as dt

from leadflow.i18n import use_locale
from leadflow.winmodel.review import WinReview, _advantage
from leadflow.winmodel.train import gain_shown

GAIN = {"difference": 0.0512, "low": 0.0104, "high": 0.0921, "confidence": 0.95}


def _review(**kept: object) -> WinReview:
    return WinReview(
        model_id=1,
        trained_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        note="",
        auc={"model": 0.71, "score": 0.66},
        brier={"model": 0.2, "score": 0.22},
        calibration=[],
        lift=[],
        win_rate_by_grade=[],
        disagreements=[],
        threshold=0.5,
        **kept,
    )


def test_the_advantage_line_prints_the_interval_as_training_did():
    assert gain_shown(GAIN) == {
        "difference": "+0.051",
        "confidence": "95%",
        "low": "+0.010",
        "high": "+0.092",
    }
    kept = _review(auc_difference=GAIN, calibration_error=0.0312, calibration_bound=0.05)
    with use_locale("en"):
        assert _advantage(kept)[0] == (
            "AUC difference +0.051 (95% interval +0.010 to +0.092); "
            "calibration error 0.031 (bound 0.05)."
        )


def test_a_model_trained_before_the_interval_was_kept_says_nothing_of_it():
    assert _advantage(_review()) == []
