"""The Keras-style objects over the engine: layers, initializers, regularizers, losses, metrics, optimizers,
schedules, callbacks, `Sequential`/`Model` (`model`), their fit loop, and Keras 3's file formats (`config`,
`weights_h5`, `archive`; `loading` rebuilds models from them). The public faces (`twoclass.models`,
`twoclass.layers`, ...) re-export from here."""
