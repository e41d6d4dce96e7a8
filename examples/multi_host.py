"""Data-parallel training over several processes (one per host), each feeding only its own rows.

Every process runs this same program. Here two processes on this machine stand for two hosts, with two CPU devices
each, talking over TCP (JAX's gloo collectives on CPU; on GPUs JAX uses NCCL):

    python examples/multi_host.py --processes 2 --process-id 0 --coordinator 127.0.0.1:12355 &
    python examples/multi_host.py --processes 2 --process-id 1 --coordinator 127.0.0.1:12355

Each process reads its own share of the rows (here a slice of one generated table; on a cluster, each host's own
files), and `fit(..., distribute="data")` trains one model on all of them: the batch is spread over every device
of every process, the weights are the same everywhere. Process 0 prints progress and saves the model. One process
with one device (`--processes 1 --cpu-devices 1`) trains the same network on all rows, with the same weights.
"""

from __future__ import annotations

import argparse

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=1, help="how many processes train together")
    parser.add_argument("--process-id", type=int, default=0, help="this process's number, 0 .. processes - 1")
    parser.add_argument("--coordinator", default="127.0.0.1:12355", help="host:port of process 0")
    parser.add_argument("--cpu-devices", type=int, default=2, help="CPU devices this process offers")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--out", default="multi-host-model.keras", help="where process 0 saves the model")
    args = parser.parse_args()

    import jax

    # Before any JAX computation: how many devices this process has, and how processes find each other.
    jax.config.update("jax_num_cpu_devices", args.cpu_devices)
    if args.processes > 1:
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(
            coordinator_address=args.coordinator, num_processes=args.processes, process_id=args.process_id
        )

    from twoclass import datasets
    from twoclass.layers import Dense
    from twoclass.models import Sequential
    from twoclass.optimizers import Adam
    from twoclass.utils import set_random_seed

    x, y = datasets.circles(n=3001, seed=1)
    x_val, y_val = datasets.circles(n=601, seed=2)
    # This process's own rows (on a cluster: its own files). Shares may differ in size.
    mine = np.array_split(np.arange(len(x)), jax.process_count())[jax.process_index()]
    mine_val = np.array_split(np.arange(len(x_val)), jax.process_count())[jax.process_index()]

    set_random_seed(0)  # the same start everywhere (process 0's weights are used in any case)
    model = Sequential([Dense(16, activation="tanh", input_shape=(2,)), Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.02), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(
        x[mine],
        y[mine],
        epochs=args.epochs,
        batch_size=100,
        validation_data=(x_val[mine_val], y_val[mine_val]),
        class_weight={0: 1.0, 1: 1.5},
        distribute="data" if jax.device_count() > 1 else None,  # one device: the plain fit, for comparison
        verbose=2 if jax.process_index() == 0 else 0,
    )
    if jax.process_index() == 0:
        model.save(args.out)
        print(
            f"{jax.device_count()} devices in {jax.process_count()} processes; val_accuracy "
            f"{history.history['val_accuracy'][-1]:.3f}; saved {args.out}"
        )


if __name__ == "__main__":
    main()
