"""Keras-style optimizers with Keras's names and defaults. Each gives the engine a structure and its numbers; the
update rules are `twoclass.engine.optimizers`' optax transformations."""

from __future__ import annotations

from typing import Any

from twoclass.core import registry
from twoclass.core.registry import resolve
from twoclass.core.validation import check_bool, check_float
from twoclass.engine.optimizers import OptimizerStructure
from twoclass.keras import schedules as schedules

# --------------------------------------------------------------------------------------------------------------------
# Update rules (the learning rate is part of each rule, as in Keras, so momentum follows a changing rate exactly).


# --------------------------------------------------------------------------------------------------------------------
# The user's objects.


class Optimizer:
    """Base class. `lr=` (old Keras spelling, used by many lessons) is accepted as an alias of `learning_rate`."""

    kind = ""
    _static: tuple[str, ...] = ()

    def __init__(
        self,
        learning_rate,
        *,
        lr=None,
        name=None,
        clipnorm=None,
        clipvalue=None,
        global_clipnorm=None,
        weight_decay=None,
        **ignored,
    ):
        owner = type(self).__name__
        if lr is not None and learning_rate is not None and not _is_default(learning_rate):
            raise ValueError(
                f"{owner} got both 'lr' and 'learning_rate'. Pass one of them (they mean the same; 'lr' is the old "
                f"Keras name). Received: lr={lr!r}, learning_rate={learning_rate!r}."
            )
        learning_rate = lr if lr is not None else getattr(learning_rate, "value", learning_rate)
        self.name = name or owner.lower()
        self._learning_rate = self._check_rate(learning_rate)
        self.clipnorm = None if clipnorm is None else check_float(clipnorm, "clipnorm", owner, minimum=0.0)
        self.clipvalue = None if clipvalue is None else check_float(clipvalue, "clipvalue", owner, minimum=0.0)
        self.global_clipnorm = (
            None if global_clipnorm is None else check_float(global_clipnorm, "global_clipnorm", owner, minimum=0.0)
        )
        if sum(v is not None for v in (self.clipnorm, self.clipvalue, self.global_clipnorm)) > 1:
            raise ValueError(f"{owner} takes at most one of clipnorm, clipvalue and global_clipnorm.")
        self.iterations = 0

    def _check_rate(self, value):
        if isinstance(value, schedules.LearningRateSchedule):
            return value
        return check_float(value, "learning_rate", type(self).__name__, minimum=0.0, include_minimum=False)

    @property
    def learning_rate(self):
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = self._check_rate(float(value) if hasattr(value, "__float__") else value)

    lr = learning_rate

    def _rule_hyper(self) -> dict[str, float]:
        raise NotImplementedError

    def current_learning_rate(self) -> float:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return float(self._learning_rate(self.iterations))
        return float(self._learning_rate)

    # -- what the engine asks
    def structure(self) -> OptimizerStructure:
        clip = tuple(k for k in ("clipnorm", "clipvalue", "global_clipnorm") if getattr(self, k) is not None)
        static = tuple((k, getattr(self, k)) for k in self._static)
        schedule = (
            self._learning_rate.structure() if isinstance(self._learning_rate, schedules.LearningRateSchedule) else None
        )
        return OptimizerStructure(self.kind, static, clip, schedule)

    def hyper(self) -> dict[str, float]:
        rate = self._learning_rate
        values = {"learning_rate": 0.0 if isinstance(rate, schedules.LearningRateSchedule) else float(rate)}
        values.update(self._rule_hyper())
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                values[key] = getattr(self, key)
        return values

    def schedule_hyper(self) -> dict[str, Any]:
        rate = self._learning_rate
        return rate.hyper() if isinstance(rate, schedules.LearningRateSchedule) else {}

    def get_config(self) -> dict[str, Any]:
        rate = self._learning_rate
        if isinstance(rate, schedules.LearningRateSchedule):
            rate = {
                "module": "keras.optimizers.schedules",
                "class_name": type(rate).__name__,
                "config": rate.get_config(),
                "registered_name": None,
            }
        config = {
            "name": self.name,
            "learning_rate": rate,
            "weight_decay": None,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
            "use_ema": False,
            "ema_momentum": 0.99,
            "ema_overwrite_frequency": None,
            "loss_scale_factor": None,
            "gradient_accumulation_steps": None,
        }
        config.update({k: getattr(self, k) for k in self._config_keys})
        return config

    _config_keys: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(learning_rate={self._learning_rate!r})"


def _is_default(value) -> bool:
    return getattr(value, "_is_default", False)


class _Default(float):
    """A default learning rate that `lr=` may replace without counting as 'both given'."""

    _is_default = True


class SGD(Optimizer):
    """Stochastic gradient descent, with Keras's momentum and Nesterov rules.

    >>> SGD(lr=0.5).learning_rate    # the slides' spelling
    0.5
    """

    kind = "sgd"
    _static = ("nesterov", "uses_momentum")
    _config_keys = ("momentum", "nesterov")

    def __init__(self, learning_rate=_Default(0.01), momentum: float = 0.0, nesterov: bool = False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.momentum = check_float(momentum, "momentum", "SGD", minimum=0.0, maximum=1.0)
        self.nesterov = check_bool(nesterov, "nesterov", "SGD")

    @property
    def uses_momentum(self) -> bool:
        return self.momentum > 0

    def _rule_hyper(self):
        return {"momentum": self.momentum}


class Adam(Optimizer):
    kind = "adam"
    _static = ("amsgrad",)
    _config_keys = ("beta_1", "beta_2", "epsilon", "amsgrad")
    _default_weight_decay = 0.0

    def __init__(
        self,
        learning_rate=_Default(0.001),
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-7,
        amsgrad: bool = False,
        **kwargs,
    ):
        weight_decay = kwargs.pop("weight_decay", None)
        super().__init__(learning_rate, **kwargs)
        owner = type(self).__name__
        self.beta_1 = check_float(beta_1, "beta_1", owner, minimum=0.0, maximum=1.0, include_maximum=False)
        self.beta_2 = check_float(beta_2, "beta_2", owner, minimum=0.0, maximum=1.0, include_maximum=False)
        self.epsilon = check_float(epsilon, "epsilon", owner, minimum=0.0)
        self.amsgrad = check_bool(amsgrad, "amsgrad", owner)
        decay = self._default_weight_decay if weight_decay is None else weight_decay
        self.weight_decay = check_float(decay, "weight_decay", owner, minimum=0.0)

    def _rule_hyper(self):
        return {
            "beta_1": self.beta_1,
            "beta_2": self.beta_2,
            "epsilon": self.epsilon,
            "weight_decay": self.weight_decay,
        }

    def get_config(self):
        config = super().get_config()
        config["weight_decay"] = self.weight_decay or None
        return config


class AdamW(Adam):
    _default_weight_decay = 0.004

    def __init__(self, learning_rate=_Default(0.001), weight_decay: float = 0.004, **kwargs):
        super().__init__(learning_rate, weight_decay=weight_decay, **kwargs)


class RMSprop(Optimizer):
    kind = "rmsprop"
    _static = ("centered",)
    _config_keys = ("rho", "momentum", "epsilon", "centered")

    def __init__(
        self,
        learning_rate=_Default(0.001),
        rho: float = 0.9,
        momentum: float = 0.0,
        epsilon: float = 1e-7,
        centered: bool = False,
        **kwargs,
    ):
        super().__init__(learning_rate, **kwargs)
        self.rho = check_float(rho, "rho", "RMSprop", minimum=0.0, maximum=1.0)
        self.momentum = check_float(momentum, "momentum", "RMSprop", minimum=0.0, maximum=1.0)
        self.epsilon = check_float(epsilon, "epsilon", "RMSprop", minimum=0.0)
        self.centered = check_bool(centered, "centered", "RMSprop")

    def _rule_hyper(self):
        return {"rho": self.rho, "momentum": self.momentum, "epsilon": self.epsilon}


class Adagrad(Optimizer):
    kind = "adagrad"
    _config_keys = ("initial_accumulator_value", "epsilon")

    def __init__(
        self, learning_rate=_Default(0.001), initial_accumulator_value: float = 0.1, epsilon: float = 1e-7, **kwargs
    ):
        super().__init__(learning_rate, **kwargs)
        self.initial_accumulator_value = check_float(
            initial_accumulator_value, "initial_accumulator_value", "Adagrad", minimum=0.0
        )
        self.epsilon = check_float(epsilon, "epsilon", "Adagrad", minimum=0.0)

    def _rule_hyper(self):
        return {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}


BY_NAME = {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}
BY_CLASS_NAME = {cls.__name__: cls for cls in BY_NAME.values()}


def get(identifier) -> Optimizer:
    return resolve(identifier, "optimizer", Optimizer, BY_NAME, BY_CLASS_NAME, from_config=_from_config)


def _from_config(cls: type, config: dict[str, Any]) -> Optimizer:
    rate = config.get("learning_rate")
    if isinstance(rate, dict):
        config["learning_rate"] = schedules.BY_CLASS_NAME[rate["class_name"]].from_config(rate["config"])
    keep = {"learning_rate", "name", "clipnorm", "clipvalue", "global_clipnorm", *cls._config_keys}
    if cls is AdamW or cls is Adam:
        keep.add("weight_decay")
    return cls(**{k: v for k, v in config.items() if k in keep and v is not None})


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    return registry.serialize(optimizer, "keras.optimizers")
