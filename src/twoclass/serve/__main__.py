"""`python -m twoclass.serve MODEL_DIR ... [--port 8080]`: the same as `twoclass serve`."""

from twoclass.serve.command import main

main()
