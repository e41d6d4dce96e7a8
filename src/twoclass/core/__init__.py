"""The lowest wing: argument validation and its one error template, array checks, atomic files, seeding and the
name registry. Imports nothing else of twoclass (import-linter's contract in pyproject.toml keeps it so)."""
