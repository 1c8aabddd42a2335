"""The one error shape of the command line.

Every command that stops on a problem raises :class:`CliError` (a :class:`click.ClickException`):
click prints the Swedish message in red to standard error and exits with the code. Exit codes:
:data:`USAGE` (2) for what the user asked or configured wrongly (a missing path, a config error, an
unknown unit), :data:`FAILED` (1) for an operation that ran and failed (a file with errors, an undo
that is refused).
"""

from __future__ import annotations

import click

USAGE = 2
FAILED = 1


class CliError(click.ClickException):
    """A Swedish message saying what is wrong and what to do; ``exit_code`` 2 (usage) or 1 (failed)."""

    def __init__(self, message: str, exit_code: int = USAGE) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:  # noqa: ANN001 (click's signature)
        click.secho(self.format_message(), err=True, fg="red", bold=True)
