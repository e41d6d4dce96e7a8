"""The engine: pure functions over arrays and pytrees, compiled by XLA.

`programs` holds the training, evaluation and prediction programs (a whole chunk of epochs per call), keyed by
structure (`Plan`), with every number an input; `forward` the layers' forward pass; `losses`, `metrics`,
`optimizers` (optax) and `schedules` their pure parts; `shuffle` the epoch order; `stored` the programs kept on disk.
The engine knows no Keras-style object, no pandas, no files but its own cache, and prints nothing.
"""
