"""Loads the business rules — calendar, price list, billing — into one ``Rules`` value.

The shipped defaults (``core/defaults/*.toml``) are deep-merged with ``calendar.toml``,
``plans.toml``, ``bounds.toml``, ``workflow.toml`` and ``letterhead.toml`` from the
configuration directory
when they exist:
tables merge key by key, any other value replaces the default. Between the shipped plans
and the local ``plans.toml`` sits the price list synced from the vendor's server, when
there is one. A broken file is a :class:`ConfigError` naming the file, the plan and the
field, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from core.bounds import Bounds
from core.calendar import CalendarConfig, SupportCalendar
from core.errors import ConfigError
from core.i18n import _
from core.letterhead import LOGO_TYPES, Letterhead
from core.plans import Billing, FieldError, PlansConfig, PriceList, build_price_list
from core.workflow import Workflow

__all__ = ["Rules", "load_bounds", "load_letterhead", "load_rules", "plans_document"]

CALENDAR_FILE = "calendar.toml"
PLANS_FILE = "plans.toml"
BOUNDS_FILE = "bounds.toml"
LETTERHEAD_FILE = "letterhead.toml"
WORKFLOW_FILE = "workflow.toml"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rules:
    """Every business rule vardia applies: the support calendar, the plans and billing, the
    bounds of what it accepts as true, and the desk's workflow."""

    calendar: SupportCalendar
    plans: PriceList
    billing: Billing
    bounds: Bounds
    workflow: Workflow = field(default_factory=Workflow)

    @property
    def timezone(self) -> ZoneInfo:
        return self.calendar.tz


def load_rules(
    config_dir: Path | None = None, synced_plans: Mapping[str, Any] | None = None
) -> Rules:
    """The shipped defaults, overridden by the server's price list, then by ``config_dir``'s files.

    ``synced_plans`` is the plans document the vendor's server sent (see ``core.sync``); the
    technician's own ``plans.toml`` is laid over it, since a local file is that person's
    explicit choice. An invalid synced document is a ConfigError naming it.
    """
    calendar = _validated(
        CalendarConfig,
        _with_file(_shipped(CALENDAR_FILE), CALENDAR_FILE, config_dir),
        _origin(CALENDAR_FILE, config_dir),
    )
    data = _shipped(PLANS_FILE)
    if synced_plans is not None:
        data = _merge(data, synced_plans)
        # Checked before the local file is laid over it, so an error blames the right source.
        _price_list(
            data,
            _("the price list synced from the server"),
            _("update vardia, or ask your vendor to fix the server's plans.toml"),
        )
    plans_config, plans = _price_list(
        _with_file(data, PLANS_FILE, config_dir), _origin(PLANS_FILE, config_dir)
    )
    workflow = _validated(
        Workflow,
        _with_file(_shipped(WORKFLOW_FILE), WORKFLOW_FILE, config_dir),
        _origin(WORKFLOW_FILE, config_dir),
    )
    return Rules(
        SupportCalendar(calendar), plans, plans_config.billing, load_bounds(config_dir), workflow
    )


def load_bounds(config_dir: Path | None = None) -> Bounds:
    """The shipped bounds, overridden by ``config_dir``'s ``bounds.toml`` (core.bounds)."""
    return _validated(
        Bounds,
        _with_file(_shipped(BOUNDS_FILE), BOUNDS_FILE, config_dir),
        _origin(BOUNDS_FILE, config_dir),
    )


def load_letterhead(config_dir: Path | None = None) -> Letterhead:
    """The shipped letterhead, overridden by ``config_dir``'s ``letterhead.toml``; its logo,
    when relative, is read from ``config_dir``, and must be an image file that is there."""
    origin = _origin(LETTERHEAD_FILE, config_dir)
    letterhead = _validated(
        Letterhead, _with_file(_shipped(LETTERHEAD_FILE), LETTERHEAD_FILE, config_dir), origin
    )
    if letterhead.logo is None:
        return letterhead
    logo = letterhead.logo.expanduser()
    if not logo.is_absolute() and config_dir is not None:
        logo = config_dir / logo
    if logo.suffix.lower() not in LOGO_TYPES:
        problem = _("the logo must be a PNG, JPEG, GIF, WebP or SVG image, not {file}")
    elif not logo.is_file():
        problem = _("the logo {file} is not there")
    else:
        return letterhead.model_copy(update={"logo": logo})
    raise _config_error(origin, ("logo",), problem.format(file=logo))


def plans_document(config_dir: Path | None = None) -> dict[str, Any]:
    """The shipped plans merged with ``config_dir``'s ``plans.toml``, validated: a server's list."""
    data = _with_file(_shipped(PLANS_FILE), PLANS_FILE, config_dir)
    _price_list(data, _origin(PLANS_FILE, config_dir))
    return data


def _price_list(
    data: dict[str, Any], origin: str, remedy: str | None = None
) -> tuple[PlansConfig, PriceList]:
    config = _validated(PlansConfig, data, origin, remedy)
    try:
        return config, build_price_list(config)
    except FieldError as error:
        raise _config_error(origin, error.loc, error.message, remedy) from None


def _shipped(name: str) -> dict[str, Any]:
    return _read_toml(files("core").joinpath("defaults", name).read_text("utf-8"), name)


def _with_file(data: dict[str, Any], name: str, config_dir: Path | None) -> dict[str, Any]:
    user = config_dir / name if config_dir is not None else None
    if user is None or not user.exists():
        return data
    try:
        text = user.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(
            _("{file} cannot be read ({reason}); fix its permissions or remove it.").format(
                file=user, reason=error
            )
        ) from None
    return _merge(data, _read_toml(text, str(user)))


def _validated(model: type[M], data: dict[str, Any], origin: str, remedy: str | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(str(part) for part in first["loc"])
        raise _config_error(origin, loc, first["msg"], remedy) from None


def _read_toml(text: str, file: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(
            _("{file} is not valid TOML ({reason}); fix it or remove it.").format(
                file=file, reason=error
            )
        ) from None


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _config_error(
    origin: str, loc: tuple[str, ...], message: str, remedy: str | None = None
) -> ConfigError:
    if len(loc) >= 2 and loc[0] == "plans":
        where = _("plan {plan!r}, field {field!r}").format(plan=loc[1], field=".".join(loc[2:]))
    else:
        where = _("field {field!r}").format(field=".".join(loc))
    return ConfigError(
        _("{file}: {where}: {message}; {remedy}.").format(
            file=origin,
            where=where,
            message=_sentence_part(message),
            remedy=remedy or _("fix it or remove it to use the default"),
        )
    )


def _origin(name: str, config_dir: Path | None) -> str:
    """The vendor's file when there is one: the shipped defaults are valid on their own."""
    user = config_dir / name if config_dir is not None else None
    if user is not None and user.exists():
        return str(user)
    return _("the shipped {name}").format(name=name)


def _sentence_part(message: str) -> str:
    """Pydantic's message, fit to follow a colon: no "Value error," prefix, no capital."""
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]
