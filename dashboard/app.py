"""The Dash app factory: layout shell, router, URL state, downloads.

Routing is hand-rolled with ``dcc.Location``: the page path picks the page, the query string holds
the view (``year``, ``period``, ``unit``, ``goal``, ``lang``), so a copied link opens the same view.
Every control that is part of the view has the id ``{"type": "ctl", "key": <name>}``; one callback
writes their values back to the query string.  The router only listens to the path, so changing a
control updates the URL without re-rendering the page; the page's own callbacks take the controls
as inputs.  A language switch is a plain link (a full reload in the other language).

Login and roles (``dashboard.auth``) guard every request: without users the app opens for the
local machine only, as an administrator; pages that need a right beyond reading (Uppladdning) are
left out of the navigation and refused by the router for users without it, and every callback
that writes checks the right itself.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import dash_bootstrap_components as dbc
import flask
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, html, no_update

from dashboard import downloads, state
from dashboard.auth import ROLE_DESCRIPTIONS_SV, current_user, init_dash_auth, permitted
from dashboard.coverage import unit_order
from dashboard.data import DataSource
from dashboard.formatting import fmt_date, month_names
from dashboard.i18n import LANGS, t
from dashboard.pages import PAGES, PageInfo, compare, data_page, goal, overview, present, units, upload
from dashboard.views import find_goal
from etl.config import ConfigError

ASSETS = Path(__file__).resolve().parent / "assets"
#: The cheap endpoint an open page polls for the data version (see :func:`create_app`).
VERSION_PATH = "/_bibplan/version"
#: How often an open page asks (ms): a new load shows within this plus the server's check interval.
VERSION_POLL_MS = 3000
UPLOAD_PATH = next(p.path for p in PAGES if p.name == "upload")

PERIOD_LABELS: dict[str, tuple[str, str]] = {
    "T1": ("T1 (jan–apr)", "T1 (Jan–Apr)"),
    "T2": ("T2 (jan–aug)", "T2 (Jan–Aug)"),
    "helar": ("Helår", "Full year"),
    **{f"Q{q}": (f"Kvartal {q}", f"Quarter {q}") for q in range(1, 5)},
}


def period_options(lang: str) -> list[dict[str, str]]:
    names = month_names(lang, "wide")
    options = [{"label": PERIOD_LABELS[p][lang == "en"], "value": p} for p in ("T1", "T2", "helar")]
    options += [{"label": PERIOD_LABELS[f"Q{q}"][lang == "en"], "value": f"Q{q}"} for q in range(1, 5)]
    options += [{"label": names[m - 1].capitalize(), "value": f"M{m:02d}"} for m in range(1, 13)]
    return options


def header(ds: DataSource, view: state.ViewState, path: str) -> html.Header:
    """The top bar: title, page links, year / period / unit pickers, data freshness, language."""
    lang = view.lang
    last = ds.last_data_date()
    units = ds.units()
    unit_opts = [{"label": t("whole_org", lang), "value": "ALLA"}] + [
        {"label": str(r["name"]), "value": str(r["unit_id"])} for _, r in unit_order(units).iterrows()
    ]
    nav = html.Nav(
        [
            dcc.Link(t(p.label_key, lang), href=p.path + view.query(), id={"type": "nav", "key": p.name},
                     className="nav-link" + (" active" if p.path == path else ""))
            for p in PAGES if allowed(p)
        ],  # fmt: skip
        className="main-nav",
        **{"aria-label": t("app_title", lang)},
    )
    other = "en" if lang == "sv" else "sv"
    pickers = html.Div(
        [
            picker("year", t("year", lang), [{"label": str(y), "value": str(y)} for y in ds.years()], view.year,
                   "picker-year"),
            picker("period", t("period", lang), period_options(lang), view.period, "picker-period"),
            picker("unit", t("unit", lang), unit_opts, view.unit or "ALLA", "picker-unit"),
        ],  # fmt: skip
        className="pickers",
    )
    fresh = html.Div(
        t("data_until", lang, date=fmt_date(last, lang)) if last else t("no_data_loaded", lang),
        id="data-until",
        className="data-until",
    )
    lang_link = html.A(t("lang_switch", lang), id="lang-link", href=path + view.with_(lang=other).query(),
                       className="lang-link", hrefLang=other)  # fmt: skip
    return html.Header(
        [
            html.A(t("skip_to_content", lang), href="#page", className="skip-link", id="skip-link"),
            html.Div([html.A(t("app_title", lang), href="/" + view.query(), className="brand"), nav,
                      user_box(lang), lang_link], className="topbar"),  # fmt: skip
            html.Div([pickers, fresh], className="subbar"),
        ],
        className="app-header",
    )


def picker(key: str, label: str, options: list[dict[str, str]], value: Any, cls: str) -> html.Label:
    """A view control as a native ``<select>`` inside its label (keyboard, screen readers and
    zoom work as everywhere else in the browser)."""
    return html.Label(
        [html.Span(label, className="picker-label"),
         dbc.Select(id=state.ctl(key), options=options, value=None if value is None else str(value),
                    className=f"picker {cls}")],  # fmt: skip
    )


ROLE_EN = {"läsare": "reader", "redaktör": "editor", "administratör": "administrator"}


def allowed(page: PageInfo) -> bool:
    """May the current user open ``page``?"""
    return page.action is None or permitted(page.action)


def user_box(lang: str) -> html.Div | None:
    """Who is logged in, with a "Logga ut" link (nothing in local mode: no login to leave)."""
    user = current_user()
    if user is None or user.via == "local":
        return None
    role = user.role if lang == "sv" else ROLE_EN.get(user.role, user.role)
    return html.Div(
        [html.Span(t("signed_in_as", lang, name=user.name, role=role), className="user-name", id="user-name"),
         html.A(t("logout", lang), href="/logout", className="logout-link", id="logout-link")],  # fmt: skip
        className="user-box",
        title=ROLE_DESCRIPTIONS_SV.get(user.role, "") if lang == "sv" else "",
    )


def create_app(data: DataSource | None = None, *, users_path: Path | str | None = None,
               host: str | None = None, **dash_kwargs: Any) -> Dash:
    """Build the app on ``data`` (default: the configured store and plan), protected by the login
    (``dashboard.auth.init_dash_auth``; users from ``users_path``, default ``data/users.yaml`` / env
    ``BIBPLAN_USERS_FILE``).  With no users it opens without a login for the local machine only;
    ``host`` (the address it will listen on) makes a start without users on any other address fail
    at once."""
    ds = data or DataSource()
    app = Dash(
        __name__,
        assets_folder=str(ASSETS),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title=t("app_title"),
        update_title=None,
        **dash_kwargs,
    )
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            dcc.Download(id="download"),
            dcc.Store(id="author-store", storage_type="local"),
            dcc.Store(id="page-meta"),
            dcc.Store(id="page-meta-sink"),
            dcc.Interval(id="version-poll", interval=VERSION_POLL_MS),
            dcc.Store(id="version-seen"),
            dcc.Store(id="version-new"),
            html.Div(id="header"),
            html.Main(id="page", className="page", tabIndex="-1"),
        ],
        id="shell",
    )
    app.bibplan_data = ds  # type: ignore[attr-defined]
    _serve_lang(app)
    init_dash_auth(app, users_path, host=host)

    @app.server.route(VERSION_PATH)
    def data_version():  # cheap: a small query at most every few seconds, no rendering
        return {"version": ds.version_token()}

    # An open page polls the data version and renders itself again when a load, an undo or a plan
    # edit changed it; not while text is being typed (a comment or an action not yet saved) or a
    # dialog is open (the upload page renders its header only: see ``route``).
    app.clientside_callback(
        f"""async function(n, seen) {{
            const no = window.dash_clientside.no_update;
            if (seen === undefined || seen === null) {{ return no; }}
            if (document.querySelector(".modal.show, dialog[open]")) {{ return no; }}
            const typing = Array.from(document.querySelectorAll("textarea, input[type=text]"))
                .some(el => el === document.activeElement || el.value !== el.defaultValue);
            if (typing) {{ return no; }}
            try {{
                const r = await fetch("{VERSION_PATH}", {{cache: "no-store", credentials: "same-origin"}});
                if (!r.ok) {{ return no; }}
                const v = (await r.json()).version;
                return v !== seen ? v : no;
            }} catch (e) {{ return no; }}
        }}""",
        Output("version-new", "data"),
        Input("version-poll", "n_intervals"),
        State("version-seen", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("header", "children"),
        Output("page", "children"),
        Output("shell", "className"),
        Output("page-meta", "data"),
        Output("version-seen", "data"),
        Input("url", "pathname"),
        Input("version-new", "data"),
        State("url", "search"),
    )
    def route(pathname: str | None, _new_version: str | None, search: str | None):
        try:
            out = render(ds, pathname or "/", search or "")
        except ConfigError as exc:  # a missing or broken YAML file: say which and how, never a bare 500
            return (*config_error_page(exc, search or ""), no_update)
        if ctx.triggered_id == "version-new" and (pathname or "").rstrip("/") == UPLOAD_PATH:
            # The upload page shows a load's result itself (and another tab's load in its history on
            # the next visit): a new version renders the header only, never over a preview or result.
            out = (out[0], no_update, no_update, no_update)
        return (*out, ds.version_token())

    app.clientside_callback(ClientsideFunction("bibplan_a11y", "page"), Output("page-meta-sink", "data"),
                            Input("page-meta", "data"))  # fmt: skip

    @app.callback(
        Output("url", "search"),
        Input({"type": "ctl", "key": ALL}, "value"),
        State("url", "search"),
        prevent_initial_call=True,
    )
    def sync_url(values: list[Any], search: str | None):
        keys = [i["id"]["key"] for i in ctx.inputs_list[0]]
        new = state.from_controls(search, dict(zip(keys, values)))
        return new if new != (search or "") else no_update

    @app.callback(
        Output({"type": "nav", "key": ALL}, "href"),
        Output("lang-link", "href"),
        Input("url", "search"),
        State("url", "pathname"),
        State({"type": "nav", "key": ALL}, "id"),
        prevent_initial_call=True,
    )
    def nav_links(search: str | None, pathname: str | None, ids: list[dict]):
        return nav_hrefs(search, pathname or "/", [i["key"] for i in ids])

    downloads.register(app, ds)
    for module in (overview, goal, units, compare, data_page, upload, present):
        module.register(app, ds)
    return app


def _serve_lang(app: Dash) -> None:
    """The first HTML answer already says its language (``?lang=en`` or Swedish); the router's
    page meta keeps ``<html lang>`` and the title right after that (assets/a11y.js)."""
    interpolate = app.interpolate_index

    def with_lang(**kwargs: Any) -> str:
        lang = flask.request.args.get("lang", "sv") if flask.has_request_context() else "sv"
        return interpolate(**kwargs).replace("<html>", f'<html lang="{lang if lang in LANGS else "sv"}">', 1)

    app.interpolate_index = with_lang  # type: ignore[method-assign]


def page_title(page: PageInfo | None, view: state.ViewState, ds: DataSource, key: str | None = None) -> str:
    """``Mål 3 Bidra till livaktig demokrati – Biblioteksplanens uppföljning``: where you are."""
    lang = view.lang
    if page is None or key is not None:
        where = t(key or "title_not_found", lang)
    elif page.name == "goal":
        g = find_goal(ds.plan(), view.goal)
        where = f"{t('goal', lang)} {g.number} {g.name}"
    else:
        where = t(page.label_key, lang)
    return f"{where} – {t('app_title', lang)}"


def nav_hrefs(search: str | None, pathname: str, keys: list[str]) -> tuple[list[str], str]:
    view = state.parse(search)
    by_name = {p.name: p.path for p in PAGES}
    other = "en" if view.lang == "sv" else "sv"
    return [by_name[k] + view.query() for k in keys], pathname + view.with_(lang=other).query()


def render(ds: DataSource, pathname: str, search: str) -> tuple[Any, Any, str, dict[str, str]]:
    """Header, page body, shell class and page meta (language, title) for a URL (the router, as a plain function)."""
    view = state.resolve(ds, state.parse(search))
    page = next((p for p in PAGES if p.path == pathname.rstrip("/") or (p.path == "/" and pathname == "/")), None)
    if page is None:
        body = html.Div(html.H1(t("page_not_found", view.lang), className="page-title"), className="panel")
        return header(ds, view, pathname), body, "shell", meta(view, page_title(None, view, ds))
    if not allowed(page):
        body = html.Div(html.H1(t("page_refused", view.lang), className="empty-state"), className="panel",
                        id="page-refused")  # fmt: skip
        return header(ds, view, page.path), body, "shell", meta(view, page_title(page, view, ds, "title_refused"))
    title = meta(view, page_title(page, view, ds))
    if ds.last_data_date() is None and page.name not in ("data", "upload"):
        body = html.Div(html.H1(t("no_data_loaded", view.lang), className="empty-state"), className="panel")
        return header(ds, view, page.path), body, "shell", title
    module = {"overview": overview, "goal": goal, "units": units, "compare": compare, "data": data_page, "upload": upload,
              "present": present}[page.name]
    shell = "shell presenting" if page.name == "present" else "shell"
    body = module.layout(ds, view)
    note = unknown_period_note(ds, search, view)
    return header(ds, view, page.path), (html.Div([note, body]) if note else body), shell, title


def config_error_page(exc: ConfigError, search: str) -> tuple[Any, Any, str, dict[str, str]]:
    """Header, body, shell class and meta when the data directory's configuration cannot be read
    (a fresh install before ``bibplan init``, a YAML mistake): the file, the key and the fix."""
    view = state.parse(search)
    head = html.Div(html.Span(t("app_title", view.lang), className="brand"), className="app-header")
    body = html.Div([html.H1(t("config_error_title", view.lang), className="page-title"),
                     html.P(t("config_error_help", view.lang)), html.Pre(str(exc), id="config-error")],
                    className="panel")  # fmt: skip
    return head, body, "shell", meta(view, f"{t('config_error_title', view.lang)} – {t('app_title', view.lang)}")


def unknown_period_note(ds: DataSource, search: str, view: state.ViewState) -> html.Div | None:
    """``?period=T3`` is not silently replaced: say it does not exist, what does, and what is shown."""
    raw = parse_qs((search or "").lstrip("?")).get("period", [""])[-1]
    if not raw or state.parse(search).period is not None:
        return None
    assert view.year is not None and view.period is not None  # resolved by state.resolve
    text = t("period_unknown", view.lang, period=raw, shown=ds.period_label(view.year, view.period, view.lang))
    return html.Div(text, className="alert alert-warning", role="alert", id="period-unknown")


def meta(view: state.ViewState, title: str) -> dict[str, str]:
    return {"lang": view.lang, "title": title}


__all__ = ["create_app", "render"]
