"""Data-parallel training: the engine's own program, with each minibatch spread over the devices of a Mesh.

`fit(..., distribute="data")`, or a `with DataParallel():` scope around it, puts a `DataLayout` in the plan; the
engine's program is then compiled once for the mesh (`jax.jit` with the parameters replicated, the training table
sharded by row), and everything around it (callbacks, history, saving) is unchanged. The weights are one
device's within float rounding, because nothing that decides them changes:

- each epoch visits the rows in the order one device would (`shuffled_order` over the same padded row count);
- minibatch i holds the same rows; it is padded to a multiple of the device count with masked slots, which read the
  table's last row, always padding (weight 0), so that each device computes `lane / devices` of its rows;
- XLA adds the partial gradient, loss and metric sums across devices (all-reduce): only the order in which float
  sums are added differs from one device's.

No device holds the whole table: shuffling an epoch moves each shard once round the ring of devices (`gather`), where
GSPMD's own plan for `table[order]` is an all-gather of the table onto every device.

Several processes (hosts) each feed only their own rows: the row counts are exchanged, every process's rows are
placed on its own devices, and one program moves them to where one process holding every row in process order
would have them. Process 0's weights, settings and epoch count are used by all (`ShardedFunction`).
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Sequence
from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from twoclass.core.validation import invalid
from twoclass.engine.programs import Plan, Table, eval_batch_size, padded_rows
from twoclass.engine.stored import PREPARED

AXIS = "data"  # the mesh axis the batch is split over
_ACTIVE: contextvars.ContextVar = contextvars.ContextVar("twoclass_data_parallel", default=None)


def _round_up(count: int, multiple: int) -> int:
    return -(-count // multiple) * multiple


class DataLayout(NamedTuple):
    """Static facts of a data-parallel fit, part of its `Plan`: the mesh, and the padded row counts one device would
    use (each epoch's order is drawn over them, so they decide which rows each minibatch holds), and the
    validation batch."""

    mesh: Mesh
    rows: int
    val_rows: int
    eval_batch: int

    def sharding(self, *spec) -> NamedSharding:
        return NamedSharding(self.mesh, PartitionSpec(*spec))

    # ------------------------------------------------------------------------------------ inside the engine's program
    def minibatches(self, table: Table, order, size: int, domain: int):
        """A function of i giving minibatch i's rows (in `order`, or in table order when None) and which are real,
        spread over the devices: what `programs._minibatches` gives on one device. A table whose rows are already
        gathered into minibatches (the validation table, see `program`) is used as it is."""
        lane = _round_up(size, self.mesh.size)
        steps = domain // size
        column = jnp.arange(lane)
        real = (column[None, :] < size) & (jnp.arange(steps)[:, None] * size + column[None, :] < table.n)
        real = jax.lax.with_sharding_constraint(real, self.sharding(None, AXIS))
        blocks = (
            table.rows if table.rows.ndim == 3 else self.gather(table.rows, self._slots(table, order, size, domain))
        )
        return lambda i: (blocks[i], real[i])

    def _slots(self, table: Table, order, size: int, domain: int) -> jax.Array:
        """The table row each (minibatch, lane) slot reads; masked slots read the last row, always padding."""
        lane = _round_up(size, self.mesh.size)
        slots = (jnp.arange(domain, dtype=jnp.int32) if order is None else order).reshape(domain // size, size)
        if lane == size:
            return slots
        filler = jnp.full((domain // size, lane - size), table.rows.shape[0] - 1, jnp.int32)
        return jnp.concatenate([slots, filler], axis=1)

    def gather(self, table: jax.Array, slots: jax.Array) -> jax.Array:
        """`table[slots]` for a table sharded by row and slots of shape (steps, lane), the result sharded by lane.

        Each device starts with its own shard and passes it on to the next device D - 1 times (`ppermute`); at
        each stop it takes the rows its lanes want from the shard it holds. No device holds more than two shards.
        """
        devices = self.mesh.size
        ring = [(d, (d + 1) % devices) for d in range(devices)]

        def local(shard, wanted):
            per = shard.shape[0]
            me = jax.lax.axis_index(AXIS)

            def pick(k, shard, out):
                owner = (me - k) % devices  # after k moves the shard here is the one device `owner` started with
                index = wanted - owner * per
                held = (index >= 0) & (index < per)
                return jnp.where(held[..., None], jnp.take(shard, jnp.clip(index, 0, per - 1), axis=0), out)

            def body(k, carry):
                shard, out = carry
                shard = jax.lax.ppermute(shard, AXIS, ring)
                return shard, pick(k, shard, out)

            out = pick(0, shard, jnp.zeros(wanted.shape + shard.shape[1:], shard.dtype))
            return jax.lax.fori_loop(1, devices, body, (shard, out))[1]

        specs = (PartitionSpec(AXIS, None), PartitionSpec(None, AXIS))
        return jax.shard_map(local, mesh=self.mesh, in_specs=specs, out_specs=PartitionSpec(None, AXIS, None))(
            table, slots
        )

    # ------------------------------------------------------------------------------------------------ the host side
    def tables(self, plan: Plan, inputs) -> tuple[Table, Table | None]:
        """`programs.fit_tables` for this layout: this process's rows, sharded by row over the mesh."""
        train = _table(self, inputs.x, inputs.y, inputs.weight, self.rows)
        if not plan.has_validation:
            return train, None
        return train, _table(self, inputs.x_val, inputs.y_val, inputs.weight_val, self.val_rows)

    def program(self, function, name: str) -> ShardedFunction:
        """`function(ts, train, val, hyper, n_epochs)` (the engine's chunk of epochs) compiled for the mesh.

        The validation rows are gathered into minibatches once a call, before the first epoch: XLA's CPU runtime
        runs independent loops of one program side by side, and two devices that met the validation ring and the
        training ring in different orders would each wait for the other forever (seen with 8 virtual devices on
        2 cores). A data dependency (`optimization_barrier`) puts every collective of a call in one sequence."""

        def run(ts, train, val, hyper, n_epochs):
            if val is not None:
                blocks = self.gather(val.rows, self._slots(val, None, self.eval_batch, self.val_rows))
                ts, val = jax.lax.optimization_barrier((ts, val._replace(rows=blocks)))
            return function(ts, train, val, hyper, n_epochs)

        return ShardedFunction(run, name, self)


class ShardedFunction:
    """`function` compiled for the layout's mesh (`StoredFunction`'s part for data-parallel fits; the lowered
    program is not stored, the persistent compilation cache still applies). Tables already on the mesh are passed
    as they are, every other argument is replicated; the results come back as NumPy arrays, so that the model
    holds host weights as after any fit. `PREPARED[name]` counts the signatures compiled."""

    def __init__(self, function, name: str, layout: DataLayout):
        self._name = name
        self._layout = layout
        self._jitted = jax.jit(function, out_shardings=layout.sharding())
        self._seen: set = set()

    def __call__(self, *args):
        leaves, tree = jax.tree_util.tree_flatten(args)
        signature = (tree, *[(np.shape(leaf), getattr(leaf, "dtype", None) or np.result_type(leaf)) for leaf in leaves])
        if signature not in self._seen:
            self._seen.add(signature)
            PREPARED[self._name] += 1
        mesh = self._layout.mesh
        placed = [isinstance(leaf, jax.Array) and getattr(leaf.sharding, "mesh", None) == mesh for leaf in leaves]
        host = [_host(leaf) for leaf, on_mesh in zip(leaves, placed) if not on_mesh]
        if jax.process_count() > 1:  # process 0's weights and settings are every process's
            from jax.experimental import multihost_utils

            host = list(multihost_utils.broadcast_one_to_all(host))
        replicated, host = self._layout.sharding(), iter(host)
        leaves = [leaf if on_mesh else _global(replicated, next(host)) for leaf, on_mesh in zip(leaves, placed)]
        result = self._jitted(*jax.tree_util.tree_unflatten(tree, leaves))
        return jax.tree_util.tree_map(_host, result)


def _host(leaf) -> np.ndarray:
    """A replicated array's value in this process (one copy: with several processes, no process holds them all)."""
    if isinstance(leaf, jax.Array) and not leaf.is_fully_addressable:
        return np.asarray(leaf.addressable_data(0))
    return np.asarray(leaf)


def _global(sharding: NamedSharding, local: np.ndarray, shape: tuple | None = None) -> jax.Array:
    return jax.make_array_from_process_local_data(sharding, local, local.shape if shape is None else shape)


def _process_counts(n_local: int) -> np.ndarray:
    """Every process's row count, in process order."""
    if jax.process_count() == 1:
        return np.array([n_local])
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(np.int64(n_local))).reshape(-1)


def _block(x: np.ndarray, y: np.ndarray | None, weight: np.ndarray | None, rows: int) -> np.ndarray:
    """Rows in the column layout `Table` reads, zero-padded (weight 0) to `rows`."""
    block = np.zeros((rows, x.shape[1] + 2), np.float32)
    block[: len(x), :-2] = x
    block[: len(x), -2] = 0.0 if y is None else y
    block[: len(x), -1] = 1.0 if weight is None else weight
    return block


def _table(layout: DataLayout, x, y, weight, rows: int) -> Table:
    """This process's rows as a table over the mesh, in the order one process holding all rows would have them."""
    counts = _process_counts(len(x))
    n = int(counts.sum())
    # one row more than one device pads to: the last row is always padding, what masked slots read
    physical = _round_up(rows + 1, layout.mesh.size)
    if jax.process_count() == 1:
        return Table(jax.device_put(_block(x, y, weight, physical), layout.sharding(AXIS, None)), np.int32(n))
    # Each process's rows go on its own devices, as blocks of one size; one program then moves them into place.
    per_process = _round_up(int(counts.max()), jax.local_device_count())
    staged = _global(
        layout.sharding(AXIS, None),
        _block(x, y, weight, per_process),
        (per_process * jax.process_count(), x.shape[1] + 2),
    )
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
    replicated = layout.sharding()
    rows_in_place = _in_process_order(layout, physical)(
        staged, _global(replicated, starts), _global(replicated, counts.astype(np.int32))
    )
    return Table(rows_in_place, np.int32(n))


@functools.cache
def _in_process_order(layout: DataLayout, physical: int):
    def run(staged, starts, counts):
        per_process = staged.shape[0] // starts.shape[0]
        position = jnp.arange(physical, dtype=jnp.int32)
        process = jnp.sum(position[:, None] >= starts[None, 1:], axis=1)  # whose rows hold this position
        real = position < counts.sum()
        slots = jnp.where(real, process * per_process + position - starts[process], 0)
        return jnp.where(real[:, None], layout.gather(staged, slots[None, :])[0], 0.0)

    return jax.jit(run, out_shardings=layout.sharding(AXIS, None))


class DataParallel:
    """Train with each minibatch split over devices, parameters replicated: the same weights as one device.

    As a scope, every fit inside it is data-parallel (the estimator's too); `fit(..., distribute="data")` is the
    same for one call. `devices` defaults to all devices of all processes (`jax.devices()`).

    >>> with DataParallel():                                   # doctest: +SKIP
    ...     model.fit(x, y, epochs=20, validation_data=(x_val, y_val))
    """

    def __init__(self, devices: Sequence | None = None):
        if devices is not None:
            devices = list(devices)
            if not devices or not all(isinstance(d, jax.Device) for d in devices):
                raise invalid("devices", "DataParallel", "None or a non-empty list of jax devices", devices)
        self._devices = devices
        self._tokens: list = []

    @property
    def mesh(self) -> Mesh:
        devices = list(jax.devices()) if self._devices is None else list(self._devices)
        # each process's devices side by side, in process order: each process's rows form one block of the table
        devices.sort(key=lambda d: (d.process_index, d.id))
        return Mesh(np.array(devices), (AXIS,))

    def __enter__(self) -> DataParallel:
        self._tokens.append(_ACTIVE.set(self))
        return self

    def __exit__(self, *exc) -> None:
        _ACTIVE.reset(self._tokens.pop())

    def __repr__(self) -> str:
        return f"DataParallel(devices={self.mesh.size})"

    def plan(self, plan: Plan, inputs) -> Plan:
        """`plan` with this scope's layout; row counts are summed over the processes."""
        rows = padded_rows(int(_process_counts(len(inputs.x)).sum()), plan.batch_size)
        eval_batch, val_rows = plan.eval_batch, 0
        if plan.has_validation:
            n_val = int(_process_counts(len(inputs.x_val)).sum())
            eval_batch = eval_batch_size(n_val)  # from every process's rows: all processes run one program
            val_rows = padded_rows(n_val, eval_batch)
        return plan._replace(eval_batch=eval_batch, layout=DataLayout(self.mesh, rows, val_rows, eval_batch))

    def agree(self, value: int) -> int:
        """Process 0's `value` in every process: each process times its own epochs and sizes its calls by that,
        and processes that run different calls would wait for each other forever."""
        if jax.process_count() == 1:
            return value
        from jax.experimental import multihost_utils

        return int(multihost_utils.broadcast_one_to_all(np.int32(value)))


def resolve(distribute: Any, owner: str = "fit") -> DataParallel | None:
    """The data-parallel scope a fit runs in: its `distribute` argument, else the innermost `with DataParallel()`."""
    if distribute is None:
        return _ACTIVE.get()
    if isinstance(distribute, DataParallel):
        return distribute
    if isinstance(distribute, str) and distribute == "data":
        return DataParallel()
    raise invalid("distribute", owner, "None, 'data' or a twoclass.distribute.DataParallel", distribute)
