"""`TwoClassClassifier`: a scikit-learn estimator for two-class problems on twoclass's Keras-style engine.

fit takes a DataFrame as it comes (numbers, categories, text; see `twoclass.data.Preprocessor`) or a numeric array,
and any two labels. It holds out a stratified validation split, trains a `twoclass.models.Sequential` through
compile + fit with `callbacks.EarlyStopping(restore_best_weights=True)` (the same engine as the Keras-style API, no
second training loop), then uses the validation rows to choose the decision threshold, optionally fit a calibrator,
and record validation figures. `predict` uses that threshold.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from twoclass.calibration import calibrated_logits
from twoclass.estimator import inputs as prep
from twoclass.estimator.inputs import FitRows
from twoclass.estimator.params import OWNER, Settings, check_params
from twoclass.estimator.state import restore_fitted, stored_params

__all__ = ["TwoClassClassifier"]


class TwoClassClassifier(ClassifierMixin, BaseEstimator):
    """A neural-network binary classifier with the decision threshold, calibration and preprocessing built in.

    Parameters mirror scikit-learn's MLPClassifier where they overlap. ``threshold`` is the objective the decision
    threshold is chosen for on the validation rows: 'f1', 'youden', {'recall': r}, {'precision': p},
    {'cost_fp': a, 'cost_fn': b}, a float (a given threshold), or None (0.5). ``calibration`` is None, 'platt' or
    'temperature' (fitted on validation logits). ``positive`` names the positive label; without it the pairs 0/1,
    False/True, no/yes, neg/pos, negative/positive are read as meant, and other labels follow scikit-learn's rule
    (the larger sorted label is positive). ``column_types`` ({column: kind}) and ``text_columns`` override the
    inferred kinds of DataFrame columns. ``validation_fraction`` of the rows (stratified) is held out for the
    choice of epoch, the guard, the threshold, calibration and ``validation_figures_``.

    ``recipe='auto'`` (the default) trains the tabular recipe (`twoclass.estimator.recipe`): numeric columns robustly
    scaled and encoded on tree-chosen bins, a logistic regression fitted first, then ``n_networks`` networks that
    start from it (each is that logistic regression plus an MLP whose output starts at zero) trained together in one
    compiled program, with the size of the ensemble and the epochs from a compute budget and the best epoch chosen
    on the validation rows; if the networks' validation loss is not below the logistic regression's, the logistic
    regression (or the best blend) is kept. ``recipe='plain'`` trains Keras-style networks one by one with early
    stopping (``patience``), ``n_networks`` of them ('auto': 5 under 10,000 training rows and 2 million feature
    values, else 1), as before.

    Fitted attributes: classes_ ([negative, positive]), n_features_in_, feature_names_in_ (DataFrames with string
    column names), preprocessor_, label_encoding_, model_ (the twoclass Sequential; with several networks, one
    Sequential that holds them side by side and averages their log-odds), n_networks_, history_ and best_epoch_
    (of the first network), threshold_ (a ThresholdChoice), calibrator_ (or None), validation_figures_, seed_,
    recipe_ (what the recipe trained and kept, with the logistic regression's validation figures; None for plain).

    Example:
        >>> clf = TwoClassClassifier(random_state=0).fit(df.drop(columns="Survived"), df["Survived"])  # doctest: +SKIP
        >>> clf.predict_proba(df.drop(columns="Survived").head(2)).shape  # doctest: +SKIP
        (2, 2)
    """

    def __init__(
        self,
        hidden_layer_sizes=(64, 32),
        activation="relu",
        optimizer="adam",
        learning_rate=1e-3,
        epochs="auto",
        batch_size="auto",
        early_stopping=True,
        patience=15,
        validation_fraction=0.15,
        class_weight=None,
        threshold="f1",
        calibration=None,
        dropout=0.0,
        l2=1e-4,
        positive=None,
        column_types=None,
        text_columns=(),
        random_state=None,
        verbose=0,
        n_networks="auto",
        recipe="auto",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.threshold = threshold
        self.calibration = calibration
        self.dropout = dropout
        self.l2 = l2
        self.positive = positive
        self.column_types = column_types
        self.text_columns = text_columns
        self.random_state = random_state
        self.verbose = verbose
        self.n_networks = n_networks
        self.recipe = recipe

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.allow_nan = True  # missing values are imputed (with a missing-indicator column)
        return tags

    # ------------------------------------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None) -> TwoClassClassifier:
        """Train on X (DataFrame or numeric array) and y (two labels); returns self."""
        settings = check_params(self.get_params(deep=False))
        rows = self.fit_rows(X, y, sample_weight, settings)
        from twoclass.estimator.training import train_network

        result = train_network(settings, rows, array_input=self.input_kind_ == "array")
        return self.adopt_fit(rows, result)

    def adopt_fit(self, rows: FitRows, fitted: dict[str, Any]) -> TwoClassClassifier:
        """Take on a finished fit: the labels and seed of ``rows`` and the ``fitted`` attributes (``preprocessor_``,
        ``model_``, ``threshold_``, ...); the preprocessor records y's column name. Returns self. A sweep ends
        its chosen member's fit here too."""
        self.classes_ = np.array(rows.encoding.classes)
        self.label_encoding_ = rows.encoding
        self.seed_ = rows.seed
        for name, value in fitted.items():
            setattr(self, name, value)
        if rows.target_name is not None:
            self.preprocessor_.target_ = rows.target_name
        return self

    def fit_rows(self, X: Any, y: Any, sample_weight: Any, settings: Settings) -> FitRows:
        """What fit makes of X, y and sample_weight before any preprocessing (checked, with clear errors), and the
        rows it trains and validates on; sets the input attributes (n_features_in_, ...). A sweep shares it."""
        frame = self.frame_for_fit(X, settings)
        y = prep.aligned_target(X, y)
        target_name = getattr(y, "name", None)  # a pandas Series knows its column: kept for evaluation later
        y = prep.target_1d(y, len(frame))
        encoding = prep.label_encoding(y, settings.positive)
        y01 = encoding.encode(y)
        weights = prep.row_weights(sample_weight, y01, frame)
        seed = settings.seed if settings.seed is not None else int(np.random.randint(0, 2**31 - 1))
        train, val = split_rows(y01, settings.validation_fraction, seed)
        name = target_name if isinstance(target_name, str) else None
        return FitRows(frame, y01, weights, train, val, seed, encoding, name)

    def frame_for_fit(self, X: Any, settings: Settings) -> pd.DataFrame:
        if isinstance(X, pd.DataFrame):
            if X.shape[0] == 0 or X.shape[1] == 0:
                raise ValueError(
                    f"The 'X' argument of {OWNER}.fit is empty: it has {X.shape[0]} rows and {X.shape[1]} columns."
                )
            validate_data(self, X, skip_check_array=True, reset=True)  # n_features_in_, feature_names_in_
            self.input_kind_ = "frame"
            self.input_columns_ = [str(c) for c in X.columns]
            return X
        if settings.column_types:
            raise ValueError(
                f"The 'column_types' and 'text_columns' parameters of {OWNER} name DataFrame columns, "
                f"but X is a {type(X).__name__}. Pass a DataFrame or leave them out."
            )
        array = prep.checked_array(self, X, "fit", reset=True)
        self.input_kind_ = "array"
        self.input_columns_ = prep.array_columns(array.shape[1])
        return pd.DataFrame(array, columns=self.input_columns_)

    # ------------------------------------------------------------------------------------------------ predict
    def _logits(self, X, method: str) -> np.ndarray:
        """Calibrated log-odds of the positive class, float64."""
        check_is_fitted(self)
        frame = prep.frame_for_predict(self, X, method)
        z = self.model_.predict_logits(self.preprocessor_.transform(frame)).astype(np.float64)
        return calibrated_logits(self.calibrator_, z)

    def predict_proba(self, X) -> np.ndarray:
        """Probabilities (n, 2): columns in the order of classes_ ([negative, positive])."""
        p = expit(self._logits(X, "predict_proba"))
        return np.column_stack([1.0 - p, p])

    def predict_log_proba(self, X) -> np.ndarray:
        """Log of predict_proba, computed from the logits so it stays finite."""
        z = self._logits(X, "predict_log_proba")
        return np.column_stack([-np.logaddexp(0.0, z), -np.logaddexp(0.0, -z)])

    def decision_function(self, X) -> np.ndarray:
        """Log-odds of the positive class measured from the decision threshold: ``logit(p) - logit(threshold_)``.

        Positive exactly where predict says the positive class (scikit-learn's contract); it ranks rows as the
        probability does, so ROC AUC is the same from either.
        """
        return self._logits(X, "decision_function") - logit(self.threshold_.value)

    def predict(self, X) -> np.ndarray:
        """The user's labels: positive where ``predict_proba[:, 1] >= threshold_.value``."""
        p = expit(self._logits(X, "predict"))
        return self.classes_[(p >= self.threshold_.value).astype(np.int64)]

    # ------------------------------------------------------------------------------------------------ files
    def save(self, path) -> str:
        """Write the fitted model to one directory (twoclass.json + weights.safetensors), atomically."""
        from twoclass.estimator.files import save_model_dir

        return save_model_dir(self, path)

    @classmethod
    def load(cls, path) -> TwoClassClassifier:
        """Read a directory written by save."""
        from twoclass.saving import model_dir
        from twoclass.saving.network import network_from_dir

        record = model_dir.read_model_dir(path)
        if record.meta.get("kind") != "classifier":
            raise ValueError(f"'{path}' holds a Keras-style model, not a {cls.__name__}. Use twoclass.io.load.")
        network = network_from_dir(record, path, compile=False)
        try:
            return restore_fitted(cls(**stored_params(record.meta)), record.meta, network)
        except (KeyError, TypeError, ValueError) as error:
            raise model_dir.damaged(path, f"{model_dir.JSON_FILE} is inconsistent ({error})") from None

    # A fitted estimator pickles as weights and JSON-able state (joblib/multiprocessing need it); model files are
    # never pickles.
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if "model_" in state:
            from twoclass.saving.network import network_record

            state["model_"] = network_record(state["model_"])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state.get("model_"), dict):
            from twoclass.saving.network import network_from_record

            state["model_"] = network_from_record(state["model_"])
        self.__dict__.update(state)


def split_rows(y01: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Row indices for training and validation (stratified); no validation rows when the data is too small."""
    from twoclass.data.split import split_train_validation

    rows = np.arange(len(y01))
    try:
        train, val, _, _ = split_train_validation(rows, y01, validation_fraction=fraction, seed=seed % 2**32)
    except ValueError:
        warnings.warn(
            f"Too few rows ({len(y01)}; class counts {np.bincount(y01, minlength=2).tolist()}) for a "
            "stratified validation split: training on all rows without early stopping, and choosing the "
            "threshold on the training rows.",
            UserWarning,
            stacklevel=3,
        )
        return rows, None
    return np.sort(train), np.sort(val)
