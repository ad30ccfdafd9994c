"""``python -m kg``: the ``kg`` command, for environments where the script is not on PATH."""

from kg.cli import main

if __name__ == "__main__":
    main(prog_name="kg")
