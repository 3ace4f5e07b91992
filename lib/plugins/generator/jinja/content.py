"""`module.faker` and `module.mimesis` as Eventum gives them to templates: the library, plus `locale[...]` (or
`locale.<name>`), one cached, seeded generator per locale. Both libraries come with the `content` extra."""

from __future__ import annotations

import importlib
import importlib.util
import random
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from eventgen.plugin import TemplateError

EXTRA = "content"
LIBRARIES = ("faker", "mimesis")
_MENTION = re.compile(r"\bmodule\s*(?:\.\s*|\[\s*['\"])(faker|mimesis)\b")


class MissingExtra(TemplateError):
    """A template asked for a content library that is not installed (not an AttributeError: Jinja would turn
    that into an undefined name and lose the reason)."""


def missing_extra(source: str) -> str | None:
    """The message for a template's source that names `module.faker`/`module.mimesis` while that library is not
    installed (checked at load, so `validate` says it); None when all is there."""
    for name in dict.fromkeys(_MENTION.findall(source)):
        if importlib.util.find_spec(name) is None:
            return _missing(name)
    return None


def _missing(name: str) -> str:
    extra = f"install eventgen's `{EXTRA}` extra (pip install 'eventgen[{EXTRA}]')"
    return f"module.{name} needs the {name} library: {extra}"


class Locales:
    """`locale['en_US']` / `locale.en_US`: one generator per locale, made on first use."""

    def __init__(self, make: Callable[[str], Any]):
        self._make = make
        self._made: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        made = self._made.get(name)
        if made is None:
            made = self._made[name] = self._make(str(name))
        return made

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self[name]


class ContentModule:
    """The library's own names (`module.faker.Faker`, `module.mimesis.enums`), and `locale`."""

    def __init__(self, library: ModuleType, make: Callable[[str], Any]):
        self._library = library
        self.locale = Locales(make)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._library, name)


def content_module(name: str, rng: random.Random) -> ContentModule:
    """`faker` or `mimesis` with its locale wrapper; each locale's generator is seeded from `rng` (so `--seed`
    repeats a run). A missing library raises MissingExtra naming the extra that brings it."""
    try:
        library = importlib.import_module(name)
    except ImportError:
        raise MissingExtra(_missing(name)) from None
    seed = rng.getrandbits(32)
    if name == "faker":
        return ContentModule(library, lambda locale: _faker(library, locale, seed))
    return ContentModule(library, lambda locale: _mimesis(library, locale, seed))


def _faker(library: ModuleType, locale: str, seed: int) -> Any:
    made = library.Faker(locale)
    made.seed_instance(seed)
    return made


def _mimesis(library: ModuleType, locale: str, seed: int) -> Any:
    try:
        code = library.Locale(locale)
    except ValueError:
        known = ", ".join(item.value for item in library.Locale)
        raise ValueError(f"module.mimesis.locale[{locale!r}]: unknown locale; known: {known}") from None
    return library.Generic(locale=code, seed=seed)
