"""The model directory: `model_dir` reads and writes `twoclass.json` + `weights.safetensors` with NumPy only (never
JAX: servers and batch jobs read it); `network` turns a Keras-style model into its stored record and back."""
