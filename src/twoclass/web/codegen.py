"""The code panel: Keras-style Python that builds and trains exactly the network on screen, on the same data.

The script imports twoclass; with Keras 3, the four imports marked ``# keras...`` change to ``keras`` and nothing
else does (`twoclass.datasets` is NumPy only and stays). Run with twoclass, it reproduces the page's weights: the
same seed gives the same initial weights, and training in chunks of epochs (as the page does) equals one fit.
"""

from __future__ import annotations

from .data import PLAYGROUND_POINTS, SLIDES_POINTS, Upload, n_train
from .links import to_url
from .network import regularizer
from .settings import FEATURES, Settings, seed_number

__all__ = ["KERAS_IMPORTS", "generate"]

_FEATURE_CODE = {
    "x": "x1",
    "y": "x2",
    "xSquared": "x1**2",
    "ySquared": "x2**2",
    "xTimesY": "x1 * x2",
    "sinX": "np.sin(x1)",
    "sinY": "np.sin(x2)",
}

# The lines that change, twoclass -> keras, to run the script on Keras 3 (tests/web swap exactly these).
KERAS_IMPORTS = {
    "from twoclass.models import Sequential": "from keras.models import Sequential",
    "from twoclass.layers import Dense, Dropout, Input": "from keras.layers import Dense, Dropout, Input",
    "from twoclass.optimizers import SGD, Adam": "from keras.optimizers import SGD, Adam",
    "from twoclass import regularizers": "from keras import regularizers",
    "from twoclass.utils import set_random_seed": "from keras.utils import set_random_seed",
}


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _data_lines(settings: Settings, upload: Upload | None, seed: int) -> list[str]:
    noise = _number(settings.noise / 100)
    if settings.dataset == "upload" and upload is not None:
        columns = ", ".join(repr(c) for c in upload.columns)
        return [
            (
                f"# Data: {upload.filename!r} (put it beside this script); label 1 is {upload.target!r} == "
                f"{upload.positive!r}, label 0 is {upload.negative!r}."
            ),
            f"frame = pd.read_csv({upload.filename!r})",
            f'points = frame[[{columns}]].to_numpy("float32")',
            f'labels = (frame[{upload.target!r}] == {upload.positive!r}).to_numpy("int32")',
            f"order = np.random.default_rng({seed}).permutation(len(labels))  # the playground's shuffle",
            "points, labels = points[order], labels[order]",
        ]
    if settings.dataset == "circles":
        return [
            f"# Data: the slides' red (1) and blue (0) circles, noise {noise}.",
            f"points, labels = datasets.circles(n={SLIDES_POINTS}, noise={noise}, seed={seed})",
        ]
    return [
        (
            f"# Data: TensorFlow Playground's {settings.dataset!r} ({settings.noise:g}% noise; its +1/-1 labels "
            "are 1/0)."
        ),
        f"points, labels = datasets.{settings.dataset}(n={PLAYGROUND_POINTS}, noise={noise}, seed={seed})",
    ]


def generate(settings: Settings, epochs: int, upload: Upload | None = None, total_rows: int | None = None) -> str:
    """The script for `settings`, training `epochs` epochs.

    >>> code = generate(Settings(seed="3"), epochs=5)
    >>> "model.add(Dense(4, activation='tanh'))" in code and "epochs=5" in code
    True
    """
    seed = seed_number(settings.seed)
    uses_upload = settings.dataset == "upload" and upload is not None
    total = (
        total_rows
        if total_rows is not None
        else (
            len(upload.labels) if uses_upload else SLIDES_POINTS if settings.dataset == "circles" else PLAYGROUND_POINTS
        )
    )
    split = n_train(total, settings.percTrainData)
    reg = regularizer(settings)
    reg_code = ""
    if reg is not None:
        kind = settings.regularization
        strength = settings.regularizationRate if kind == "L1" else settings.regularizationRate / 2
        reg_code = f", kernel_regularizer=regularizers.{kind}({_number(strength)})"
    optimizer = "SGD" if settings.optimizer == "sgd" else "Adam"
    loss = "'mse'" if settings.loss == "mse" else "'binary_crossentropy'"
    feature_list = ", ".join(FEATURES[name] for name in settings.features)

    lines = [
        '"""The network from the twoclass playground, trained on its data.',
        "",
        "Runs as is with twoclass. For Keras 3, change the imports marked '# keras...' to keras (keep",
        "`from twoclass import datasets`: it is NumPy only).",
        f"Playground link: #{to_url(settings)}",
        '"""',
        "import numpy as np",
    ]
    if uses_upload:
        lines.append("import pandas as pd")
    lines += [
        "",
        "from twoclass import datasets",
        "from twoclass.models import Sequential  # keras.models",
        "from twoclass.layers import Dense, Dropout, Input  # keras.layers",
        "from twoclass.optimizers import SGD, Adam  # keras.optimizers",
    ]
    if reg is not None:
        lines.append("from twoclass import regularizers  # keras")
    lines += [
        "from twoclass.utils import set_random_seed  # keras.utils",
        "",
        f"set_random_seed({seed})  # the same seed gives the playground's initial weights",
        "",
        *_data_lines(settings, upload, seed),
        "x1, x2 = points[:, 0].astype('float64'), points[:, 1].astype('float64')",
        f"# Features: {feature_list}",
        "features = np.column_stack(["
        + ", ".join(_FEATURE_CODE[name] for name in settings.features)
        + "]).astype('float32')",
        f"split = {split}  # the first {settings.percTrainData}% train, the rest test",
        "x_train, y_train = features[:split], labels[:split]",
        "x_test, y_test = features[split:], labels[split:]",
        "",
        "model = Sequential()",
        f"model.add(Input(shape=({len(settings.features)},)))",
    ]
    if settings.regularization == "L2" and reg is not None:
        lines.insert(
            lines.index("model = Sequential()"),
            f"# L2: the Playground's rate {settings.regularizationRate:g} steps w -= lr * rate * w, which is "
            f"Keras's L2({_number(settings.regularizationRate / 2)})",
        )
    for units, activation in zip(settings.networkShape, settings.layerActivations):
        lines.append(f"model.add(Dense({units}, activation={activation!r}{reg_code}))")
        if settings.dropout > 0:
            lines.append(f"model.add(Dropout({_number(settings.dropout)}))")
    lines += [
        f"model.add(Dense(1, activation='sigmoid'{reg_code}))",
        (
            f"model.compile(optimizer={optimizer}(learning_rate={_number(settings.learningRate)}), loss={loss}, "
            "metrics=['accuracy'])"
        ),
        (
            f"history = model.fit(x_train, y_train, batch_size={settings.batchSize}, epochs={epochs}, "
            "validation_data=(x_test, y_test), verbose=0)"
        ),
        "",
        "loss, accuracy = model.evaluate(x_test, y_test, verbose=0)",
        f"threshold = {_number(settings.threshold)}  # the playground's threshold slider",
        "predicted = (model.predict(x_test, verbose=0)[:, 0] >= threshold).astype('int32')",
        "tp, fp = int(((predicted == 1) & (y_test == 1)).sum()), int(((predicted == 1) & (y_test == 0)).sum())",
        "fn, tn = int(((predicted == 0) & (y_test == 1)).sum()), int(((predicted == 0) & (y_test == 0)).sum())",
        "print(f'test loss {loss:.4f}  test accuracy {accuracy:.4f}')",
        "print(f'confusion at {threshold}: tp={tp} fp={fp} fn={fn} tn={tn}')",
        "",
    ]
    return "\n".join(lines)
