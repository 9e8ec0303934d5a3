"""Loads the business rules — calendar, price list, billing — into one ``Rules`` value.

The shipped defaults (``core/defaults/*.toml``) are deep-merged with ``calendar.toml`` and
``plans.toml`` from the vendor's configuration directory when they exist: tables merge key
by key, any other value replaces the default. A broken file is a :class:`ConfigError`
naming the file, the plan and the field, never a traceback.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ValidationError

from core.calendar import CalendarConfig, SupportCalendar
from core.errors import ConfigError
from core.i18n import _
from core.plans import Billing, FieldError, PlansConfig, PriceList, build_price_list

__all__ = ["Rules", "load_rules"]

CALENDAR_FILE = "calendar.toml"
PLANS_FILE = "plans.toml"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Rules:
    """Every business rule vardia applies: the support calendar, the plans and billing."""

    calendar: SupportCalendar
    plans: PriceList
    billing: Billing

    @property
    def timezone(self) -> ZoneInfo:
        return self.calendar.tz


def load_rules(config_dir: Path | None = None) -> Rules:
    """The shipped defaults, overridden by the vendor's files in ``config_dir``."""
    calendar = _load(CalendarConfig, CALENDAR_FILE, config_dir)
    plans_config = _load(PlansConfig, PLANS_FILE, config_dir)
    try:
        plans = build_price_list(plans_config)
    except FieldError as error:
        raise _config_error(PLANS_FILE, config_dir, error.loc, error.message) from None
    return Rules(SupportCalendar(calendar), plans, plans_config.billing)


def _load(model: type[M], name: str, config_dir: Path | None) -> M:
    data = _read_toml(files("core").joinpath("defaults", name).read_text("utf-8"), name)
    user = config_dir / name if config_dir is not None else None
    if user is not None and user.exists():
        try:
            text = user.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(
                _("{file} cannot be read ({reason}); fix its permissions or remove it.").format(
                    file=user, reason=error
                )
            ) from None
        data = _merge(data, _read_toml(text, str(user)))
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        loc = tuple(str(part) for part in first["loc"])
        raise _config_error(name, config_dir, loc, first["msg"]) from None


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
    name: str, config_dir: Path | None, loc: tuple[str, ...], message: str
) -> ConfigError:
    file = _origin(name, config_dir)
    if len(loc) >= 2 and loc[0] == "plans":
        where = _("plan {plan!r}, field {field!r}").format(plan=loc[1], field=".".join(loc[2:]))
    else:
        where = _("field {field!r}").format(field=".".join(loc))
    return ConfigError(
        _("{file}: {where}: {message}; fix it or remove it to use the default.").format(
            file=file, where=where, message=_sentence_part(message)
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
