"""Every handler that takes what ``bot.telegram.targets`` resolves asks for it with its flag,
and every flag is read: a handler taking ``target`` without the flag would never get one,
and a flag on a handler that ignores it would refuse for nothing."""

from __future__ import annotations

from collections.abc import Iterator

from aiogram import Router
from aiogram.dispatcher.event.handler import HandlerObject

from bot.telegram.routers import admin, buttons, search, settings, stats, subscriptions, user
from bot.telegram.targets import BUTTON, TARGET, Access, ButtonScope

ROUTERS = (admin, stats, settings, subscriptions, buttons, search, user)


def handlers(router: Router, event: str) -> Iterator[HandlerObject]:
    yield from router.observers[event].handlers
    for child in router.sub_routers:
        yield from handlers(child, event)


def test_command_handlers_taking_a_target_ask_for_it() -> None:
    flagged = set()
    for module in ROUTERS:
        for handler in handlers(module.build_router(), "message"):
            takes = bool(handler.params & {"target", "rest"})
            access = handler.flags.get(TARGET)
            assert takes == (access is not None), handler.callback
            if access is not None:
                assert isinstance(access, Access)
                flagged.add(handler.callback.__name__)
    assert {"subscribe", "list_command", "unsubscribe", "unmute"} <= flagged
    assert {"pause", "language", "settings_command"} <= flagged


def test_button_handlers_taking_what_they_act_on_ask_for_it() -> None:
    scopes = {}
    for module in ROUTERS:
        for handler in handlers(module.build_router(), "callback_query"):
            scope = handler.flags.get(BUTTON)
            if "subscription" in handler.params:
                assert scope is ButtonScope.SUBSCRIPTION, handler.callback
            elif "button_message" in handler.params:
                assert scope is ButtonScope.CHAT, handler.callback
            else:
                assert scope is None, handler.callback
            scopes[handler.callback.__name__] = scope
    assert scopes["settings_button"] is ButtonScope.CHAT
    assert scopes["mute_button"] is ButtonScope.SUBSCRIPTION


def test_each_handler_has_its_own_flags() -> None:
    """aiogram adds a handler's commands to the flags dict it is given: never shared."""
    seen: set[int] = set()
    routers = [module.build_router() for module in ROUTERS]  # alive: no id is reused
    for router in routers:
        for event in ("message", "callback_query"):
            for handler in handlers(router, event):
                assert id(handler.flags) not in seen
                seen.add(id(handler.flags))
