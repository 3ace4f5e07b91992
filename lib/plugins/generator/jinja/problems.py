"""A template's failure said in one line: template file and line, then what went wrong."""

from __future__ import annotations

import jinja2

from eventgen.plugin import EventgenError, TemplateError


def locate(exc: BaseException) -> str:
    """`file:line` of the innermost template frame of an exception ('' when none)."""
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return f"{exc.filename or exc.name or '<template>'}:{exc.lineno}"
    found = ""
    tb = exc.__traceback__
    while tb is not None:
        template = tb.tb_frame.f_globals.get("__jinja_template__")
        if template is not None:
            found = f"{template.filename or template.name}:{template.get_corresponding_lineno(tb.tb_lineno)}"
        tb = tb.tb_next
    return found


def template_error(exc: BaseException, fallback: str) -> TemplateError:
    """One line naming template file and line, then what went wrong."""
    if isinstance(exc, TemplateError) and getattr(exc, "located", False):
        return exc
    where = locate(exc) or fallback
    if isinstance(exc, jinja2.TemplateSyntaxError):
        what = f"syntax error: {exc.message}"
    elif isinstance(exc, EventgenError | jinja2.TemplateError):
        what = str(exc)
    else:
        what = f"{type(exc).__name__}: {exc}"
    error = TemplateError(f"template {where}: {what}")
    error.located = True  # type: ignore[attr-defined]  # a mark on Jinja's exception: already names its template
    return error
