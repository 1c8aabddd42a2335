"""``bibplan user``: add, list and remove the users who may log in to the app."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dashboard.auth.passwords import hash_password, password_problem
from dashboard.auth.roles import ROLE_DESCRIPTIONS_SV, ROLES, normalise_role
from dashboard.auth.users import (
    USERS_FILE_ENV,
    add_user,
    default_users_path,
    load_users,
    remove_user,
    world_readable,
)
from etl.config import ConfigError


class RoleType(click.ParamType):
    """A role; also accepts ``lasare``, ``redaktor``, ``administrator`` and English names."""

    name = "roll"

    def convert(self, value: str, param: click.Parameter | None, ctx: click.Context | None) -> str:
        try:
            return normalise_role(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[" + "|".join(ROLES) + "]"


@click.group()
@click.option(
    "--users-file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar=USERS_FILE_ENV,
    default=None,
    help="Användarfilen (standard: users.yaml bredvid settings.yaml, dvs. data/users.yaml).",
)
@click.pass_context
def user(ctx: click.Context, users_file: Path | None) -> None:
    """Användare som får logga in i appen (läsare, redaktör, administratör)."""
    ctx.obj = users_file or default_users_path()


def _check_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


def _warn_if_readable(path: Path) -> None:
    if world_readable(path):
        click.echo(
            f"Varning: {path} kan läsas av andra användare på datorn; kör `chmod 600 {path}`.",
            err=True,
        )


@user.command("add")
@click.argument("name")
@click.option("--role", "role", type=RoleType(), required=True, help="Roll: " + ", ".join(
    f"{r} ({d})" for r, d in ROLE_DESCRIPTIONS_SV.items()))
@click.option("--password-stdin", is_flag=True, help="Läs lösenordet från standard in (en rad).")
@click.option(
    "--no-password",
    is_flag=True,
    help="Inget lösenord: användaren loggar in via kommunens proxy (trusted header).",
)
@click.option("--replace", is_flag=True, help="Byt roll och lösenord för en befintlig användare.")
@click.pass_obj
def add(
    path: Path, name: str, role: str, password_stdin: bool, no_password: bool, replace: bool
) -> None:
    """Lägg till användaren NAME (frågar efter lösenordet två gånger)."""
    if password_stdin and no_password:
        raise click.UsageError("ange antingen --password-stdin eller --no-password, inte båda")
    password_hash: str | None = None
    if not no_password:
        if password_stdin:
            password = _check_password(sys.stdin.readline().rstrip("\r\n"))
        else:
            password = click.prompt(
                "Lösenord",
                hide_input=True,
                confirmation_prompt="Upprepa lösenordet",
                value_proc=_check_password,
            )
        password_hash = hash_password(password)
    try:
        entry = add_user(path, name, role, password_hash, replace=replace)
    except (ValueError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Användaren {entry.name} ({entry.role}) är sparad i {path}.")


@user.command("list")
@click.pass_obj
def list_(path: Path) -> None:
    """Visa användarna och deras roller."""
    try:
        users = load_users(path).users
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if not users:
        click.echo(f"Inga användare i {path}: appen öppnas utan inloggning, bara på 127.0.0.1.")
        return
    width = max(len("Namn"), *(len(u.name) for u in users))
    click.echo(f"{'Namn':<{width}}  {'Roll':<13}  Lösenord")
    for u in sorted(users, key=lambda u: u.name.casefold()):
        click.echo(f"{u.name:<{width}}  {u.role:<13}  {'ja' if u.password_hash else 'nej (proxy)'}")
    _warn_if_readable(path)


@user.command("remove")
@click.argument("name")
@click.pass_obj
def remove(path: Path, name: str) -> None:
    """Ta bort användaren NAME."""
    try:
        entry = remove_user(path, name)
    except (ValueError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Användaren {entry.name} är borttagen.")
