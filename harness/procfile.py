"""The Procfile's web command, as arguments for the harness's daphne (the deployed shape)."""

import shlex
from pathlib import Path

PROCFILE = Path(__file__).resolve().parents[1] / "Procfile"


def web_args() -> tuple[str, ...]:
    """The Procfile's daphne options, without `-b`/`-p` (the harness binds loopback and a
    free port itself) and without the application."""
    line = next(
        line.split(":", 1)[1] for line in PROCFILE.read_text().splitlines()
        if line.startswith("web:")
    )  # fmt: skip
    words = shlex.split(line)[1:-1]  # drop "daphne" and "project.asgi:application"
    args: list[str] = []
    skip = False
    for word in words:
        if skip:
            skip = False
        elif word in ("-b", "-p", "--bind", "--port"):
            skip = True
        else:
            args.append(word)
    return tuple(args)
