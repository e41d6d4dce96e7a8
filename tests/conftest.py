import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest

from support import ring_data


@pytest.fixture
def rings():
    return ring_data()


@pytest.fixture(scope="session")
def keras():
    import keras as real_keras

    return real_keras
