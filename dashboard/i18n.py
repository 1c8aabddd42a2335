"""UI strings in Swedish (default) and English.

``t(key, lang)`` returns the string; a key missing from a language falls back to Swedish and an
unknown key raises ``KeyError`` (so typos fail in tests, not silently in a meeting).
"""

from __future__ import annotations

LANGS: tuple[str, ...] = ("sv", "en")

STRINGS: dict[str, dict[str, str]] = {
    "app_title": {"sv": "Biblioteksplanens uppföljning", "en": "Library plan follow-up"},
    "config_error_title": {"sv": "Konfigurationen behöver rättas", "en": "The configuration needs fixing"},
    "config_error_help": {
        "sv": "Appen kan inte läsa datamappens inställningar. Rätta det som står nedan (en ny installation: "
              "kör bibplan init DATAMAPP) och ladda om sidan.",
        "en": "The app cannot read the data directory's settings. Fix what is said below (a new install: run "
              "bibplan init DATA_DIR) and reload the page."},
    "nav_overview": {"sv": "Översikt", "en": "Overview"},
    "nav_goal": {"sv": "Mål", "en": "Goals"},
    "nav_units": {"sv": "Enheter", "en": "Units"},
    "nav_data": {"sv": "Data", "en": "Data"},
    "nav_compare": {"sv": "Jämförelse", "en": "Comparison"},
    "compare_no_group": {
        "sv": "Planen anger ingen jämförelsegrupp. Lägg till comparison: (hemkommun, grupp och indikatorernas "
              "variabler) i biblioteksplan.yaml.",
        "en": "The plan names no comparison group. Add comparison: (home municipality, group and the "
              "indicators' variables) to biblioteksplan.yaml.",
    },
    "compare_no_data": {
        "sv": "Inga jämförelsedata är inlästa för indikatorerna. Läs in KB:s statistikfiler eller en Kolada-"
              "nedladdning (kind: benchmark i sources.yaml).",
        "en": "No benchmark data loaded for the indicators. Load KB's statistics files or a Kolada download "
              "(kind: benchmark in sources.yaml).",
    },
    "compare_us": {"sv": "Vi", "en": "Us"},
    "kb_title": {"sv": "KB-statistik", "en": "KB statistics"},
    "kb_help": {
        "sv": "KB:s årliga biblioteksstatistik räknad ur inlästa data, per enhet och för hela kommunen, i KB:s "
              "ordning med källa och anmärkning per värde. Det som data inte kan besvara står tomt för hand.",
        "en": "KB's annual library statistics computed from the loaded data, per unit and for the municipality, "
              "in KB's order with source and caveats per value. What the data cannot answer is left empty.",
    },
    "kb_download": {"sv": "Ladda ner KB-statistik (Excel)", "en": "Download KB statistics (Excel)"},
    "compare_median": {"sv": "Gruppens median", "en": "Group median"},
    "compare_min": {"sv": "Lägst", "en": "Lowest"},
    "compare_max": {"sv": "Högst", "en": "Highest"},
    "compare_rank": {"sv": "Plats", "en": "Rank"},
    "compare_rank_of": {"sv": "{rank} av {n}", "en": "{rank} of {n}"},
    "nav_present": {"sv": "Presentationsläge", "en": "Presentation"},
    "year": {"sv": "År", "en": "Year"},
    "period": {"sv": "Period", "en": "Period"},
    "unit": {"sv": "Enhet", "en": "Unit"},
    "goal": {"sv": "Mål", "en": "Goal"},
    "indicator": {"sv": "Indikator", "en": "Indicator"},
    "whole_org": {"sv": "Hela biblioteket", "en": "Whole library"},
    "data_until": {"sv": "Data t.o.m. {date}", "en": "Data up to {date}"},
    "no_data_loaded": {
        "sv": "Inga data är inlästa ännu. Kör `bibplan load` och ladda om sidan.",
        "en": "No data loaded yet. Run `bibplan load` and reload the page.",
    },
    "goals_count": {"sv": "{n} mål", "en": "{n} goals"},
    "status_uppnatt": {"sv": "Uppnått", "en": "Achieved"},
    "status_delvis": {"sv": "Delvis uppnått", "en": "Partly achieved"},
    "status_ej_uppnatt": {"sv": "Ej uppnått", "en": "Not achieved"},
    "status_osakert": {"sv": "Osäkert", "en": "Uncertain"},
    "status_ingen_data": {"sv": "Ingen data", "en": "No data"},
    "status_inget_mal": {"sv": "Inget mål", "en": "No target"},
    "value": {"sv": "Utfall", "en": "Value"},
    "previous": {"sv": "Samma period i fjol", "en": "Same period last year"},
    "previous_wave": {"sv": "Föregående enkät", "en": "Previous survey"},
    "change": {"sv": "Förändring", "en": "Change"},
    "change_pct": {"sv": "Förändring %", "en": "Change %"},
    "target": {"sv": "Målvärde", "en": "Target"},
    "forecast": {"sv": "Helårsprognos", "en": "Full-year forecast"},
    "status": {"sv": "Status", "en": "Status"},
    "forecast_low": {"sv": "Prognos, lägst", "en": "Forecast, low"},
    "forecast_high": {"sv": "Prognos, högst", "en": "Forecast, high"},
    "n": {"sv": "Antal svar", "en": "Responses"},
    "interval": {"sv": "95 % intervall", "en": "95% interval"},
    "note": {"sv": "Anmärkning", "en": "Note"},
    "vs_target": {"sv": "mål {target}", "en": "target {target}"},
    "forecast_short": {"sv": "prognos {value}", "en": "forecast {value}"},
    "trend_full_years": {
        "sv": "Helår; {year} som helårsprognos", "en": "Full years; {year} as full-year forecast"},
    "key_indicator": {"sv": "Nyckelindikator", "en": "Key indicator"},
    "trend_title": {"sv": "Utveckling över åren", "en": "Trend over the years"},
    "units_table": {"sv": "Visa enheterna i en tabell", "en": "Show the units as a table"},
    "ci_low": {"sv": "Intervall, nedre", "en": "Interval, low"},
    "ci_high": {"sv": "Intervall, övre", "en": "Interval, high"},
    "diff_org": {"sv": "Skillnad mot hela biblioteket", "en": "Difference from the whole library"},
    "units_title": {"sv": "Enheterna jämförda", "en": "Units compared"},
    "ytd_title": {"sv": "Ackumulerat hittills i år mot i fjol", "en": "Year to date vs last year"},
    "monthly_title": {"sv": "Månad för månad", "en": "Month by month"},
    "month": {"sv": "Månad", "en": "Month"},
    "this_year": {"sv": "I år", "en": "This year"},
    "last_year": {"sv": "I fjol", "en": "Last year"},
    "cumulative": {"sv": "Ackumulerat i år", "en": "Cumulative this year"},
    "cumulative_previous": {"sv": "Ackumulerat i fjol", "en": "Cumulative last year"},
    "cumulative_change": {"sv": "Ackumulerad förändring", "en": "Cumulative change"},
    "series_break": {"sv": "Seriebrott", "en": "Series break"},
    "incomplete": {"sv": "ofullständig", "en": "incomplete"},
    "include_main": {"sv": "Visa huvudbiblioteket", "en": "Show the main library"},
    "include_buses": {"sv": "Visa bokbussarna", "en": "Show the bookmobiles"},
    "download": {"sv": "Ladda ner data (Excel)", "en": "Download data (Excel)"},
    "analys": {"sv": "Analys", "en": "Analysis"},
    "atgarder": {"sv": "Åtgärder", "en": "Actions"},
    "analys_help": {
        "sv": "Vad hände under perioden, och varför?",
        "en": "What happened in the period, and why?",
    },
    "atgarder_help": {"sv": "Vad gör vi framåt?", "en": "What will we do?"},
    "author": {"sv": "Ditt namn", "en": "Your name"},
    "save": {"sv": "Spara", "en": "Save"},
    "saved_by": {"sv": "Sparad {time} av {author}", "en": "Saved {time} by {author}"},
    "not_saved_yet": {"sv": "Inget sparat ännu för perioden.", "en": "Nothing saved for the period yet."},
    "saved_ok": {"sv": "Sparat {time}.", "en": "Saved {time}."},
    "save_needs_author": {
        "sv": "Skriv ditt namn innan du sparar, så att det syns vem som skrev texten.",
        "en": "Enter your name before saving, so that it shows who wrote the text.",
    },
    "nothing_changed": {"sv": "Ingen ändring att spara.", "en": "Nothing changed to save."},
    "concurrent_edit": {
        "sv": "Någon annan sparade en ny version medan du skrev. Båda versionerna finns kvar i historiken.",
        "en": "Someone else saved a new version while you were writing. Both are kept in the history.",
    },
    "history": {"sv": "Tidigare versioner ({n})", "en": "Earlier versions ({n})"},
    "comments_title": {"sv": "Analys och åtgärder", "en": "Analysis and actions"},
    "unit_profile": {"sv": "Enhetens profil", "en": "Unit profile"},
    "choose_unit_hint": {
        "sv": "Välj en enhet i listan Enhet ovan för att se dess indikatorer mot hela biblioteket och målen.",
        "en": "Choose a unit in the Unit list above to see its indicators against the whole library and the targets.",
    },
    "organisation": {"sv": "Hela biblioteket", "en": "Whole library"},
    "per_capita_title": {"sv": "Enheterna per invånare", "en": "Units per inhabitant"},
    "choose_unit": {"sv": "Välj en enhet", "en": "Choose a unit"},
    "coverage_title": {"sv": "Täckning per enhet och månad", "en": "Coverage per unit and month"},
    "coverage_ok": {"sv": "Data finns", "en": "Data"},
    "coverage_missing": {"sv": "Saknas", "en": "Missing"},
    "coverage_estimated": {"sv": "Uppskattat", "en": "Estimated"},
    "coverage_partial": {"sv": "Delvis", "en": "Partial"},
    "coverage_pause": {"sv": "Uppehåll (varje år)", "en": "Break (every year)"},
    "source_kind": {"sv": "Datakälla", "en": "Source"},
    "last_load": {"sv": "Senaste inläsning", "en": "Last load"},
    "load_time": {"sv": "Tid", "en": "Time"},
    "load_user": {"sv": "Användare", "en": "User"},
    "load_files": {"sv": "Filer", "en": "Files"},
    "load_file_names": {"sv": "Filnamn", "en": "File names"},
    "rows_added": {"sv": "Nya rader", "en": "Rows added"},
    "rows_replaced": {"sv": "Ersatta rader", "en": "Rows replaced"},
    "loads_title": {"sv": "Inläsningar", "en": "Loads"},
    "status_title": {"sv": "Vad som är inläst", "en": "What is loaded"},
    "problems_title": {"sv": "Varningar och fel", "en": "Warnings and errors"},
    "no_problems": {"sv": "Inga varningar eller fel.", "en": "No warnings or errors."},
    "first_period": {"sv": "Första period", "en": "First period"},
    "last_period": {"sv": "Sista period", "en": "Last period"},
    "rows": {"sv": "Rader", "en": "Rows"},
    "warnings": {"sv": "Varningar", "en": "Warnings"},
    "previous_goal": {"sv": "Föregående mål", "en": "Previous goal"},
    "next_goal": {"sv": "Nästa mål", "en": "Next goal"},
    "present_hint": {
        "sv": "Piltangenterna ← → byter mål.",
        "en": "Arrow keys ← → change goal.",
    },
    "goal_of": {"sv": "Mål {i} av {n}", "en": "Goal {i} of {n}"},
    "lang_switch": {"sv": "English", "en": "Svenska"},
    "description": {"sv": "Om indikatorn", "en": "About the indicator"},
    "few_answers": {"sv": "för få svar", "en": "too few answers"},
    "report_download": {"sv": "Ladda ner rapporten (Excel)", "en": "Download the report (Excel)"},
    "page_not_found": {"sv": "Sidan finns inte.", "en": "Page not found."},
    "title_not_found": {"sv": "Sidan finns inte", "en": "Page not found"},
    "title_refused": {"sv": "Ingen behörighet", "en": "Not permitted"},
    "period_unknown": {
        "sv": "Perioden {period} finns inte: T1, T2, helar (helår), Q1–Q4 eller M01–M12. Visar {shown}.",
        "en": "There is no period {period}: T1, T2, helar (full year), Q1–Q4 or M01–M12. Showing {shown}.",
    },
    "skip_to_content": {"sv": "Hoppa till innehållet", "en": "Skip to content"},
    "unit_type_huvudbibliotek": {"sv": "Huvudbibliotek", "en": "Main library"},
    "unit_type_stadsdelsbibliotek": {"sv": "Stadsdelsbibliotek", "en": "District library"},
    "unit_type_bokbuss": {"sv": "Bokbuss", "en": "Bookmobile"},
    "convenience_sample": {
        "sv": "Enkäten delas ut i biblioteken (bekvämlighetsurval); intervallen visar slumposäkerheten.",
        "en": "The survey is handed out in the libraries (a convenience sample); intervals show sampling uncertainty.",
    },
    # Login, upload, undo and reviewed warnings (issue 6)
    "signed_in_as": {"sv": "{name} ({role})", "en": "{name} ({role})"},
    "logout": {"sv": "Logga ut", "en": "Log out"},
    "page_refused": {
        "sv": "Din roll får inte använda den här sidan. Be en administratör om behörighet.",
        "en": "Your role may not use this page. Ask an administrator for access.",
    },
    "nav_upload": {"sv": "Uppladdning", "en": "Upload"},
    "upload_refused": {"sv": "Bara en administratör kan ladda upp data.", "en": "Only an administrator can upload data."},
    "upload_title": {"sv": "Ladda upp filer", "en": "Upload files"},
    "upload_help": {
        "sv": "Välj månadens exporter (xlsx, xls, ods eller csv), en eller flera. De kontrolleras på samma "
              "sätt som med bibplan check; inget sparas förrän du klickar Läs in.",
        "en": "Choose this month's exports (xlsx, xls, ods or csv), one or more. They are checked as with "
              "bibplan check; nothing is stored until you click Load.",
    },
    "upload_drop": {"sv": "Dra och släpp filerna här, eller", "en": "Drag and drop the files here, or"},
    "upload_choose": {"sv": "välj filer", "en": "choose files"},
    "upload_problems": {"sv": "Problem i filerna", "en": "Problems in the files"},
    "upload_counts": {"sv": "{errors} fel, {warnings} varningar.", "en": "{errors} errors, {warnings} warnings."},
    "upload_replaces": {"sv": "Det här läses in", "en": "What will be loaded"},
    "upload_file": {"sv": "Fil", "en": "File"},
    "upload_source": {"sv": "Källa (sources.yaml)", "en": "Source (sources.yaml)"},
    "upload_replaced_rows": {"sv": "Inlästa rader som ersätts", "en": "Stored rows replaced"},
    "upload_errors_skipped": {
        "sv": "Filer med fel läses inte in; rätta dem och ladda upp dem igen.",
        "en": "Files with errors are not loaded; fix them and upload them again.",
    },
    "upload_nothing": {
        "sv": "Inget att läsa in: rätta felen ovan och ladda upp filerna igen.",
        "en": "Nothing to load: fix the errors above and upload the files again.",
    },
    "upload_confirm": {"sv": "Läs in", "en": "Load"},
    "upload_cancel": {"sv": "Avbryt", "en": "Cancel"},
    "upload_cancelled": {"sv": "Uppladdningen avbröts; ingenting lästes in och de uppladdade filerna är borttagna.",
                         "en": "The upload was cancelled; nothing was loaded and the uploaded files are removed."},
    "interrupted_load": {
        "sv": "Laddning {id} (startad {time} av {user}) avbröts innan den var klar. Ingenting från den sparades: "
              "databasen är som före den. Ladda filerna igen.",
        "en": "Load {id} (started {time} by {user}) was interrupted before it finished. Nothing of it was stored: "
              "the database is as it was before. Load the files again.",
    },
    "upload_shrinks": {
        "sv": "Filerna skulle ersätta lagrade data med betydligt mindre. Jämför per enhet och månad:",
        "en": "The files would replace stored data with far less. Compare per unit and month:",
    },
    "upload_replace_anyway": {
        "sv": "Ersätt ändå: jag har kontrollerat att de nya filerna är rätt",
        "en": "Replace anyway: I have checked that the new files are right",
    },
    "shrink_stored_periods": {"sv": "Lagrade perioder", "en": "Stored periods"},
    "shrink_new_periods": {"sv": "Nya perioder", "en": "New periods"},
    "shrink_stored_total": {"sv": "Lagrad summa", "en": "Stored total"},
    "shrink_new_total": {"sv": "Ny summa", "en": "New total"},
    "upload_done": {
        "sv": "Inläst (inläsning {id}): {added} nya rader, {replaced} ersatta.",
        "en": "Loaded (load {id}): {added} rows added, {replaced} replaced.",
    },
    "upload_rejected": {"sv": "Lästes inte in (fel): {files}.", "en": "Not loaded (errors): {files}."},
    # The monthly upload (issue 18)
    "upload_chosen": {"sv": "Valda filer: {files}", "en": "Chosen files: {files}"},
    "upload_checking": {"sv": "Kontrollerar {n} filer …", "en": "Checking {n} files …"},
    "upload_counts_rows": {
        "sv": "{new} nya rader, {replaced} ersatta, {unchanged} oförändrade",
        "en": "{new} new rows, {replaced} replaced, {unchanged} unchanged",
    },
    "upload_total": {"sv": "{files} läses in: {counts}.", "en": "{files} will be loaded: {counts}."},
    "n_file": {"sv": "{n} fil", "en": "{n} file"},
    "n_files": {"sv": "{n} filer", "en": "{n} files"},
    "upload_total_none": {"sv": "Inget läses in.", "en": "Nothing will be loaded."},
    "upload_total_duplicates": {
        "sv": "{files} redan inlästa: inget att göra.", "en": "{files} already loaded: nothing to do."},
    "upload_total_duplicate": {"sv": "1 fil redan inläst: inget att göra.", "en": "1 file already loaded: nothing to do."},
    "upload_total_refused": {
        "sv": "{files} vägras (se nedan varför).", "en": "{files} refused (see why below)."},
    "upload_file_loads": {"sv": "Läses in, {periods}: {counts}.", "en": "Will be loaded, {periods}: {counts}."},
    "upload_file_refused": {"sv": "Vägras: {reason}", "en": "Refused: {reason}"},
    "upload_reason_errors": {
        "sv": "{n} fel; rätta filen och ladda upp den igen. Första felet: {first}",
        "en": "{n} errors; fix the file and upload it again. First error: {first}",
    },
    "upload_duplicate": {
        "sv": "Redan inläst den {time} av {user}, inget att göra.",
        "en": "Already loaded on {time} by {user}, nothing to do.",
    },
    "upload_duplicate_unknown": {"sv": "Redan inläst, inget att göra.", "en": "Already loaded, nothing to do."},
    "upload_what": {"sv": "Vad händer", "en": "What happens"},
    "upload_unchanged_periods": {
        "sv": "{n} enhetsmånader ({units} enheter, {first}–{last}) är samma som de inlästa: de ändras inte.",
        "en": "{n} unit-months ({units} units, {first}–{last}) equal the stored ones: they do not change.",
    },
    "upload_periods_new": {"sv": "nytt: {periods}", "en": "new: {periods}"},
    "upload_periods_replaced": {"sv": "ersätts: {periods}", "en": "replaced: {periods}"},
    "upload_periods_none": {"sv": "inga ändringar", "en": "no changes"},
    "upload_warnings_brought": {
        "sv": "Varningarna gäller bara de månader filerna lägger till eller ändrar; oförändrade månader "
              "kontrollerades när de lästes in.",
        "en": "The warnings concern only the months the files add or change; unchanged months were "
              "checked when they were loaded.",
    },
    "n_unit": {"sv": "{n} enhet", "en": "{n} unit"},
    "n_units": {"sv": "{n} enheter", "en": "{n} units"},
    "upload_before": {"sv": "Före", "en": "Before"},
    "upload_after": {"sv": "Efter", "en": "After"},
    "upload_details": {"sv": "Detaljer", "en": "Details"},
    "upload_file_problems": {"sv": "{file}: {counts}", "en": "{file}: {counts}"},
    "upload_more_problems": {"sv": "… och {n} till.", "en": "… and {n} more."},
    "n_error": {"sv": "{n} fel", "en": "{n} error"},
    "n_errors": {"sv": "{n} fel", "en": "{n} errors"},
    "n_warning": {"sv": "{n} varning", "en": "{n} warning"},
    "n_warnings": {"sv": "{n} varningar", "en": "{n} warnings"},
    "upload_loaded": {
        "sv": "Inläst (inläsning {id}): {counts}.", "en": "Loaded (load {id}): {counts}."},
    "upload_reach": {"sv": "{kind}: data t.o.m. {date}", "en": "{kind}: data up to {date}"},
    "upload_link_latest": {"sv": "Översikt för {period}", "en": "Overview for {period}"},
    "upload_link_month": {"sv": "Översikt för {month}", "en": "Overview for {month}"},
    "undo_ask": {"sv": "Ångra inläsning {id} ({time}, {user})?", "en": "Undo load {id} ({time}, {user})?"},
    "undo_line": {
        "sv": "{kind} {unit} {period}: {now} → {after} ({gone} rader tas bort, {back} kommer tillbaka)",
        "en": "{kind} {unit} {period}: {now} → {after} ({gone} rows removed, {back} come back)",
    },
    "undo_blocked": {"sv": "Ångra inläsning {later} först", "en": "Undo load {later} first"},
    "load_id": {"sv": "Nr", "en": "No."},
    "load_state": {"sv": "Ångra", "en": "Undo"},
    "load_undone": {"sv": "Ångrad {time}", "en": "Undone {time}"},
    "undo": {"sv": "Ångra", "en": "Undo"},
    "undo_confirm": {
        "sv": "Ångra inläsning {id} ({time}, {user})? De {added} rader den lade till tas bort och de {replaced} "
              "rader den ersatte kommer tillbaka.",
        "en": "Undo load {id} ({time}, {user})? The {added} rows it added are removed and the {replaced} rows "
              "it replaced come back.",
    },
    "undo_done": {"sv": "Inläsning {id} är ångrad: {removed} rader borttagna.", "en": "Load {id} undone: {removed} rows removed."},
    "undo_refused": {"sv": "Bara en administratör kan ångra inläsningar.", "en": "Only an administrator can undo loads."},
    "reviewed": {"sv": "Granskad", "en": "Reviewed"},
    "reviewed_text": {"sv": "{user} {time}: {comment}", "en": "{user} {time}: {comment}"},
    "review_comment": {"sv": "Kommentar till granskningen", "en": "Review comment"},
    "review_button": {"sv": "Markera som granskad", "en": "Mark as reviewed"},
    "review_pick": {
        "sv": "Välj en varning i tabellen, skriv en kommentar och markera den som granskad.",
        "en": "Choose a warning in the table, write a comment and mark it as reviewed.",
    },
    "review_only_warnings": {"sv": "Välj en varning (fel rättas i filen).", "en": "Choose a warning (errors are fixed in the file)."},
    "review_done": {"sv": "Varningen är markerad som granskad.", "en": "The warning is marked as reviewed."},
    "review_refused": {
        "sv": "Bara redaktörer och administratörer kan markera varningar som granskade.",
        "en": "Only editors and administrators can mark warnings as reviewed.",
    },
    "comment_refused": {
        "sv": "Din roll får inte skriva analyser och åtgärder.",
        "en": "Your role may not write analyses and actions.",
    },
    "saving_as": {"sv": "Sparas som {name}", "en": "Saved as {name}"},
}


def t(key: str, lang: str = "sv", **kwargs: object) -> str:
    """The UI string ``key`` in ``lang`` (Swedish fallback), formatted with ``kwargs``."""
    entry = STRINGS[key]
    text = entry.get(lang) or entry["sv"]
    return text.format(**kwargs) if kwargs else text


def status_label(status: str | None, lang: str = "sv") -> str:
    return t(f"status_{status or 'ingen_data'}", lang)
