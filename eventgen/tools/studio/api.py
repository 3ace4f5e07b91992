"""JSON endpoints of the studio: thin Flask wrappers around the workspace's operations."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from eventgen.core.errors import ConfigErrors, EventgenError
from eventgen.tools.studio.confine import Refused
from eventgen.tools.studio.debugger import debug
from eventgen.tools.studio.errors import SaveRejected, StudioError, error_dict
from eventgen.tools.studio.files import Files
from eventgen.tools.studio.histogram import histogram
from eventgen.tools.studio.preview import preview
from eventgen.tools.studio.views import config_view
from eventgen.tools.studio.workspace import Workspace

log = logging.getLogger(__name__)

api = Blueprint("studio_api", __name__, url_prefix="/api")


def workspace() -> Workspace:
    return current_app.config["STUDIO_WORKSPACE"]


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise StudioError("expected a JSON object body")
    return data


def optional_int(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise StudioError(f"{key} must be an integer") from None


def conf_text(data: dict[str, Any]) -> str | None:
    text = data.get("conf_text")
    if text is not None and not isinstance(text, str):
        raise StudioError("conf_text must be a string")
    return text


def file_texts(data: dict[str, Any]) -> dict[str, str] | None:
    """`files`: unsaved content of sample or template files, {path: text}."""
    files = data.get("files")
    if files is None:
        return None
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        raise StudioError("files must be an object of path → text")
    return {str(k): v for k, v in files.items()}


def sample_name(data: dict[str, Any]) -> str:
    name = data.get("sample")
    if not isinstance(name, str) or not name:
        raise StudioError("sample is required")
    return name


@api.get("/config")
def get_config() -> Response:
    return jsonify(config_view(workspace()))


@api.post("/config")
def post_config() -> Response:
    """Validate unsaved conf text: the same view as GET, for the text being edited."""
    return jsonify(config_view(workspace(), conf_text(body())))


@api.post("/preview")
def post_preview() -> Response:
    data = body()
    return jsonify(
        preview(
            workspace(),
            sample_name(data),
            data.get("n", 10),
            optional_int(data, "seed"),
            conf_text(data),
            file_texts(data),
        )
    )


@api.post("/histogram")
def post_histogram() -> Response:
    data = body()
    overrides = data.get("overrides") or {}
    if not isinstance(overrides, dict):
        raise StudioError("overrides must be an object of setting → value")
    return jsonify(
        histogram(
            workspace(),
            sample_name(data),
            str(data.get("start") or "-24h@h"),
            str(data.get("end") or "now"),
            None if data.get("bins") in (None, "", "auto") else data.get("bins"),
            {str(k): str(v) for k, v in overrides.items()},
            optional_int(data, "seed"),
            conf_text(data),
            live_flag(data),
        )
    )


def live_flag(data: dict[str, Any]) -> bool | None:
    """`mode`: "historical", "live", or absent / "auto" for the sample's own mode."""
    mode = data.get("mode") or "auto"
    if mode not in ("auto", "historical", "live"):
        raise StudioError("mode must be auto, historical or live")
    return None if mode == "auto" else mode == "live"


@api.post("/debug/step")
def post_debug_step() -> Response:
    data = body()
    return jsonify(
        debug(
            workspace(),
            sample_name(data),
            data.get("steps", 1),
            optional_int(data, "seed"),
            conf_text(data),
            file_texts(data),
        )
    )


@api.get("/file")
def get_file() -> Response:
    return jsonify(Files(workspace()).read(request.args.get("path", "")))


@api.post("/save")
def post_save() -> Response:
    data = body()
    content = data.get("content")
    if not isinstance(content, str):
        raise StudioError("content must be a string")
    return jsonify(Files(workspace()).save(str(data.get("file") or ""), content))


@api.errorhandler(StudioError)
def bad_request(exc: StudioError) -> tuple[Response, int]:
    return jsonify({"error": str(exc), "errors": []}), 400


@api.errorhandler(Refused)
def refused(exc: Refused) -> tuple[Response, int]:
    """A path outside the workspace (or hidden, a backup, a TLS file): nothing was read or written."""
    return jsonify({"error": str(exc), "errors": []}), 403


@api.errorhandler(SaveRejected)
def save_rejected(exc: SaveRejected) -> tuple[Response, int]:
    return jsonify({"error": "not saved: the result does not validate", "errors": exc.errors}), 422


@api.errorhandler(ConfigErrors)
def config_errors(exc: ConfigErrors) -> tuple[Response, int]:
    return jsonify({"error": "the conf does not validate", "errors": [error_dict(e) for e in exc.errors]}), 422


@api.errorhandler(EventgenError)
def eventgen_error(exc: EventgenError) -> tuple[Response, int]:
    return jsonify({"error": str(exc), "errors": []}), 400


@api.errorhandler(Exception)
def unexpected(exc: Exception) -> tuple[Response, int]:
    if hasattr(exc, "code") and hasattr(exc, "description"):  # werkzeug HTTP errors keep their status
        return jsonify({"error": exc.description, "errors": []}), exc.code
    log.exception("studio request failed")
    return jsonify({"error": f"{type(exc).__name__}: {exc}", "errors": []}), 500
