"""Typed, frozen configs built from `Setting` declarations.

Every setting is declared once (its name, parser, default, doc). `config_type(title, declarations)` turns a
tuple of declarations into a frozen class with one attribute per setting, and `ConfigType.of(values)` fills it
from parsed values, taking each missing or None value from its declaration's default. So a read site writes
`config.tcpDestinationPort`, never `int(settings.get("tcpDestinationPort", 3333))`: the default lives only in the
declaration. Reading a name that was not declared raises AttributeError naming the config, so a setting read
by a plugin that forgot to declare it fails loudly instead of silently reading None.

Configs compare and hash by value (lists and JSON objects included), so two samples whose configs for a
plugin are equal can share one instance of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from eventgen.core.settings import Setting

C = TypeVar("C", bound="Config")


class Config:
    """Base of every generated config class: attribute access, frozen, equal by value."""

    __slots__ = ("_identity",)
    title: ClassVar[str] = "config"
    declarations: ClassVar[tuple[Setting, ...]] = ()
    _names: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def of(cls: type[C], values: Mapping[str, Any] | None = None, **more: Any) -> C:
        """A config from parsed values; a name absent (or None) takes its declared default, parsed. Only the
        declared names are looked up in `values` (a mapping that records its reads sees just those)."""
        config = object.__new__(cls)
        config._fill(values or {}, more)
        return config

    def _fill(self, values: Mapping[str, Any], more: Mapping[str, Any]) -> None:
        for setting in self.declarations:
            value = more[setting.name] if setting.name in more else values.get(setting.name)
            object.__setattr__(self, setting.name, setting.default_value() if value is None else value)
        object.__setattr__(self, "_identity", self._key())

    def _key(self) -> tuple[Any, ...]:
        """What equality and hashing compare: the title and every value (subclasses may add to it)."""
        return (self.title, tuple(_frozen(getattr(self, s.name)) for s in self.declarations))

    def get(self, name: str) -> Any:
        """The value of `name`, declared by this config (AttributeError otherwise)."""
        return getattr(self, name)

    def __getitem__(self, name: str) -> Any:
        """`config["name"]`, as plugins written against mapping configs read it (KeyError when undeclared)."""
        try:
            return getattr(self, name)
        except AttributeError as exc:
            raise KeyError(str(exc)) from None

    def replace(self: C, **changes: Any) -> C:
        unknown = set(changes) - self._names
        if unknown:
            raise AttributeError(f"{self.title} declares no setting {', '.join(sorted(unknown))}")
        return type(self).of({**self.as_dict(), **changes})

    def as_dict(self) -> dict[str, Any]:
        return {s.name: getattr(self, s.name) for s in self.declarations}

    def __getattr__(self, name: str) -> Any:  # only called for names that are not declared fields
        raise AttributeError(f"{self.title} declares no setting {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self.title} is frozen: {name} cannot be set")

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._identity == other._identity

    def __hash__(self) -> int:
        return hash(self._identity)

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.as_dict().items())
        return f"{self.title}({shown})"


def config_type(
    title: str, declarations: Iterable[Setting], base: type[Config] = Config, **attributes: Any
) -> type[Config]:
    """A frozen config class with one attribute per declaration (the first declaration of a name wins), derived
    from `base` (Config or a subclass adding fields of its own), with `attributes` as class attributes."""
    unique: dict[str, Setting] = {}
    for setting in declarations:
        unique.setdefault(setting.name, setting)
    names = tuple(unique)
    namespace = {
        **attributes,
        "__slots__": names,
        "title": title,
        "declarations": tuple(unique.values()),
        "_names": frozenset(names),
    }
    return type(_class_name(title), (base,), namespace)


def _frozen(value: Any) -> Any:
    """A hashable, order-stable stand-in for a value (JSON objects and lists included)."""
    if isinstance(value, Mapping):
        return ("{}", tuple(sorted((str(k), _frozen(v)) for k, v in value.items())))
    if isinstance(value, list | tuple):
        return ("[]", tuple(_frozen(v) for v in value))
    if isinstance(value, set | frozenset):
        return ("set", tuple(sorted(repr(v) for v in value)))
    try:
        hash(value)
    except TypeError:
        return ("repr", repr(value))
    return value


def _class_name(title: str) -> str:
    words = "".join(ch if ch.isalnum() else " " for ch in title).split()
    return "".join(w[:1].upper() + w[1:] for w in words) + "Config" if words else "Config"
