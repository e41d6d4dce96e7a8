"""A sweep of a TwoClassClassifier: its fit, once for all members, with the training itself one vmapped program.

The estimator's own steps run once: parameter checks, label encoding, the stratified validation split (from its
random_state), preprocessing fitted on the training rows, class weights. Then every member trains its network as
`fit` would with that member's learning rate, L2, dropout, hidden sizes and network seed, with
`EarlyStopping(val_loss, patience, restore_best_weights=True)` when the estimator stops early. A chosen member (or
the top k, averaged in log-odds as `n_networks` does) becomes an ordinary fitted estimator: the threshold,
calibration and validation figures are decided on the validation rows as `fit` decides them.

Members are networks of the estimator's plain recipe (`recipe='plain'`: Keras-style networks, early stopping with
`patience`, epochs and batch size 200 and 64 where they are 'auto'); the estimator that comes out says so.

This module reads the estimator through some of its private helpers (the split, the preprocessing and what is
decided on validation rows), all in `_Prepared.build`/`finish` below, so a change there touches only them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from twoclass.keras.fit_inputs import prepare_fit_inputs
from twoclass.sweeps.grid import Member
from twoclass.sweeps.train import MemberRuns, train_members


@dataclasses.dataclass
class Prepared:
    """The estimator's fit up to the network: what every member shares."""

    estimator: Any  # an unfitted clone, with its input attributes set
    settings: Any
    rows: Any  # the estimator's FitRows: labels, weights, split, seed, label encoding
    preprocessor: Any
    x_train: np.ndarray
    x_val: np.ndarray | None
    row_weight: np.ndarray

    @property
    def early_stopping(self) -> bool:
        return self.rows.val is not None and self.settings.early_stopping


def prepare(estimator: Any, X: Any, y: Any, sample_weight: Any = None) -> Prepared:
    """Run TwoClassClassifier.fit's steps before training (on a clone); the data are checked there."""
    from sklearn.base import clone

    from twoclass.estimator.inputs import weighted_by_class
    from twoclass.estimator.params import check_params
    from twoclass.estimator.training import fit_preprocessor, transform_quietly

    est = clone(estimator)
    if "recipe" in est.get_params(deep=False):
        est.set_params(recipe="plain")  # members are the plain recipe's networks (see the module's docstring)
    settings = _plain_numbers(check_params(est.get_params(deep=False)))
    rows = est.fit_rows(X, y, sample_weight, settings)  # the checks, labels, weights, seed and split of fit
    frame, y01, train, val = rows.frame, rows.y01, rows.train, rows.val
    preprocessor = fit_preprocessor(settings, frame, array_input=est.input_kind_ == "array")
    # it leaves out (and announces) a copy of the target under another name, as fit does
    x_train = preprocessor.fit_transform(frame.iloc[train], y=y01[train], target_name=rows.target_name)
    x_val = transform_quietly(preprocessor, frame.iloc[val]) if val is not None else None
    return Prepared(
        est, settings, rows, preprocessor, x_train, x_val, weighted_by_class(rows, train, settings.class_weight)
    )


def _plain_numbers(settings: Any) -> Any:
    """Epochs and batch size as the plain recipe reads 'auto' (200 and 64)."""
    from twoclass.estimator import params

    epochs, batch = getattr(params, "PLAIN_EPOCHS", 200), getattr(params, "PLAIN_BATCH_SIZE", 64)
    return dataclasses.replace(
        settings,
        epochs=epochs if settings.epochs == "auto" else settings.epochs,
        batch_size=batch if settings.batch_size == "auto" else settings.batch_size,
    )


def _member_settings(prepared: Prepared, member: Member) -> Any:
    s = prepared.settings
    return dataclasses.replace(
        s,
        learning_rate=s.learning_rate if member.learning_rate is None else member.learning_rate,
        l2=s.l2 if member.l2 is None else member.l2,
        dropout=s.dropout if member.dropout is None else member.dropout,
        hidden_layer_sizes=s.hidden_layer_sizes if member.hidden_layer_sizes is None else member.hidden_layer_sizes,
    )


def _template(prepared: Prepared, members: Sequence[Member]) -> Any:
    """One network for a group of members of one size: an L2 regularizer where any member has L2, Dropout layers
    where any member drops out (a zero strength or rate then leaves that member as fit would train it)."""
    from twoclass.estimator.params import build_network

    s = _member_settings(prepared, members[0])
    any_l2 = any(_member_settings(prepared, m).l2 > 0 for m in members)
    any_dropout = any(_member_settings(prepared, m).dropout > 0 for m in members)
    structure = dataclasses.replace(s, l2=1.0 if any_l2 else 0.0, dropout=0.5 if any_dropout else 0.0)
    return build_network(structure, prepared.x_train.shape[1], members[0].seed)


def _full_member(prepared: Prepared, member: Member) -> Member:
    """The member with every value the network trains with, so the template's placeholders never leak in."""
    s = _member_settings(prepared, member)
    return Member(s.learning_rate, s.l2, s.dropout, None, member.seed)


def _initial_weights(prepared: Prepared, template: Any, member: Member) -> tuple[list, list]:
    """What fit would start this member from: its own network's draw from its seed, laid out in the template's
    layers (a Dropout layer only the template has holds nothing)."""
    from twoclass.estimator.params import build_network
    from twoclass.sweeps.train import fresh_weights

    own = build_network(_member_settings(prepared, member), prepared.x_train.shape[1], member.seed)
    params, states = fresh_weights(own, member.seed)
    drawn = iter(zip(own.layers, params, states))
    out_params, out_states = [], []
    for layer in template.layers:
        if type(layer).__name__ == "Dropout" and not any(type(x).__name__ == "Dropout" for x in own.layers):
            out_params.append({})
            out_states.append({})
            continue
        _, p, s = next(drawn)
        out_params.append(p)
        out_states.append(s)
    return out_params, out_states


def _initial_for(prepared: Prepared, template: Any, by_full: dict, full: Member) -> tuple[list, list]:
    return _initial_weights(prepared, template, by_full[full])


def train(prepared: Prepared, members: Sequence[Member]) -> MemberRuns:
    """Every member, one vmapped program per hidden-layer size."""
    s = prepared.settings
    val = prepared.rows.val
    validation = None
    if val is not None:
        validation = (prepared.x_val, prepared.rows.y01[val], prepared.row_weight[val].astype(np.float32))
    inputs = prepare_fit_inputs(
        prepared.x_train,
        prepared.rows.y01[prepared.rows.train],
        batch_size=s.batch_size,
        epochs=s.epochs,
        verbose=0,
        validation_split=0.0,
        validation_data=validation,
        shuffle=True,
        class_weight=None,
        sample_weight=prepared.row_weight[prepared.rows.train].astype(np.float32),
        initial_epoch=0,
    )
    groups: dict[tuple[int, ...], list[int]] = {}
    for index, member in enumerate(members):
        groups.setdefault(_member_settings(prepared, member).hidden_layer_sizes, []).append(index)
    results: dict[int, tuple] = {}
    seconds = 0.0
    for indices in groups.values():
        group = [members[i] for i in indices]
        template = _template(prepared, group)
        by_seed = {_full_member(prepared, m): m for m in group}
        runs = train_members(
            template,
            inputs,
            [_full_member(prepared, m) for m in group],
            monitor="val_loss" if val is not None else "loss",
            patience=s.patience if prepared.early_stopping else None,
            restore_best=prepared.early_stopping,
            initial=functools.partial(_initial_for, prepared, template, by_seed),
        )
        seconds += runs.seconds
        for position, index in enumerate(indices):
            results[index] = tuple(field[position] for field in runs[:-1])
    ordered = [results[i] for i in range(len(members))]
    return MemberRuns(*[list(column) for column in zip(*ordered)], seconds=seconds)


def finish(prepared: Prepared, members: Sequence[Member], runs: MemberRuns, chosen: Sequence[int]) -> Any:
    """A fitted TwoClassClassifier from the chosen members (one, or several averaged in log-odds)."""
    from sklearn.base import clone

    from twoclass.estimator.params import build_network, compile_network
    from twoclass.estimator.training import decide_on_held_out, merge_networks

    networks = []
    for index in chosen:
        settings = _member_settings(prepared, members[index])
        network = build_network(settings, prepared.x_train.shape[1], members[index].seed)
        network.set_weights(runs.weights[index])
        networks.append(network)
    if len({tuple(layer.units for layer in net.layers if hasattr(layer, "units")) for net in networks}) > 1:
        raise ValueError(
            "The top members have different hidden-layer sizes, which cannot be averaged into one network; "
            "use top_k=1 or sweep one size."
        )
    model = networks[0] if len(networks) == 1 else compile_network(prepared.settings, merge_networks(networks))

    held = prepared.rows.val if prepared.rows.val is not None else prepared.rows.train
    x_held = prepared.x_val if prepared.rows.val is not None else prepared.x_train
    logits = model.predict_logits(x_held).astype(np.float64)
    decided = decide_on_held_out(prepared.settings, logits, prepared.rows.y01[held], prepared.rows.weights[held])
    if prepared.rows.val is None:
        decided["validation_figures_"]["notes"].append(
            "No validation split was possible: these figures are on the training rows."
        )
    first = chosen[0]
    est = clone(prepared.estimator)
    for name in ("input_kind_", "input_columns_", "n_features_in_", "feature_names_in_"):
        if hasattr(prepared.estimator, name):
            setattr(est, name, getattr(prepared.estimator, name))
    chosen_settings = _member_settings(prepared, members[first])
    est.set_params(
        learning_rate=chosen_settings.learning_rate,
        l2=chosen_settings.l2,
        dropout=chosen_settings.dropout,
        hidden_layer_sizes=chosen_settings.hidden_layer_sizes,
        random_state=prepared.rows.seed,
        n_networks=len(chosen),
    )
    fitted = {
        "preprocessor_": prepared.preprocessor,
        "model_": model,
        "n_networks_": len(networks),
        "history_": runs.histories[first],
        "best_epoch_": runs.best_epochs[first] + 1 if prepared.early_stopping else len(runs.histories[first]),
        **decided,
    }
    if "recipe" in est.get_params(deep=False):
        fitted["recipe_"] = None  # a plain-recipe estimator records no recipe
    return est.adopt_fit(prepared.rows, fitted)
