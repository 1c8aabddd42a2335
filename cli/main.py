"""``bibplan``: one command with subcommands.

Subcommands live in their own modules and are imported only when used, so ``bibplan status`` does
not pay for importing Dash.
"""

from __future__ import annotations

import importlib

import click

#: subcommand name -> "module:attribute" of a click command.
COMMANDS: dict[str, str] = {
    "load": "cli.data:load",
    "check": "cli.data:check",
    "status": "cli.data:status",
    "loads": "cli.data:loads",
    "undo": "cli.data:undo",
    "goals": "cli.followup:goals_cmd",
    "values": "cli.followup:values",
    "report": "cli.report:report",
    "kb": "cli.kb:kb",
    "serve": "cli.serve:serve",
    "user": "cli.users:user",
    "init": "cli.setup:init",
    "units": "cli.setup:units",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(n for n in COMMANDS if self._find(n) is not None)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._find(name)

    @staticmethod
    def _find(name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:  # subcommand not built (yet)
                return None
            raise
        return getattr(mod, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="bibplan")
def main() -> None:
    """bibplan: måluppföljning för folkbibliotek (goal follow-up for public libraries)."""
