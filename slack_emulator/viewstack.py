"""Views: each user's modal stack (at most 3 deep) and their published Home tab."""

from __future__ import annotations

import copy
import threading
from typing import Any

from slack_emulator.errors import ApiError
from slack_emulator.ids import Ids
from slack_emulator.interact import initial_state
from slack_emulator.models import View, snapshot

MAX_STACK = 3


class Views:
    """All views by id. All methods take the workspace lock and return snapshots."""

    def __init__(self, lock: threading.RLock, ids: Ids) -> None:
        self.lock = lock
        self.ids = ids
        self._views: dict[str, View] = {}
        self._stacks: dict[str, list[str]] = {}
        self._homes: dict[str, str] = {}

    def _check_external_id(self, spec: dict[str, Any], own_id: str | None) -> None:
        external = spec.get("external_id")
        if not external:
            return
        for view in self._views.values():
            if view.external_id == external and view.id != own_id and not view.closed:
                raise ApiError("duplicate_external_id")

    def _new(self, user: str, spec: dict[str, Any], root: str | None, previous: str | None) -> View:
        view_id = self.ids.view_id()
        view = View(
            id=view_id,
            user=user,
            type=spec["type"],
            spec=copy.deepcopy(spec),
            hash=self.ids.view_hash(),
            root_view_id=root or view_id,
            previous_view_id=previous,
            state_values=initial_state(spec.get("blocks")),
        )
        self._views[view_id] = view
        return view

    def open(self, user: str, spec: dict[str, Any]) -> View:
        with self.lock:
            self._check_external_id(spec, None)
            for old in self._stacks.get(user, []):
                self._views[old].closed = True
            view = self._new(user, spec, None, None)
            self._stacks[user] = [view.id]
            return snapshot(view)

    def push(self, user: str, spec: dict[str, Any]) -> View:
        with self.lock:
            stack = self._stacks.get(user, [])
            if not stack:
                raise ApiError("not_found", problem="views.push with no modal open")
            if len(stack) >= MAX_STACK:
                raise ApiError("push_limit_reached", problem="more than 3 modals stacked")
            self._check_external_id(spec, None)
            view = self._new(user, spec, self._views[stack[0]].id, stack[-1])
            stack.append(view.id)
            return snapshot(view)

    def find(self, view_id: str | None, external_id: str | None) -> View:
        with self.lock:
            for view in self._views.values():
                if view.closed:
                    continue
                if (view_id and view.id == view_id) or (
                    external_id and view.external_id == external_id
                ):
                    return snapshot(view)
            raise ApiError("not_found")

    def update(self, view_id: str, spec: dict[str, Any], expected_hash: str | None) -> View:
        with self.lock:
            view = self._views.get(view_id)
            if view is None or view.closed:
                raise ApiError("not_found")
            if spec.get("type") != view.type:
                raise ApiError("invalid_arguments", problem="views.update cannot change type")
            if expected_hash is not None and expected_hash != view.hash:
                raise ApiError("hash_conflict")
            self._check_external_id(spec, view.id)
            entered = view.state_values
            view.spec = copy.deepcopy(spec)
            view.state_values = _carry_over(initial_state(spec.get("blocks")), entered)
            view.hash = self.ids.view_hash()
            view.errors = {}
            return snapshot(view)

    def publish(self, user: str, spec: dict[str, Any], expected_hash: str | None) -> View:
        with self.lock:
            current = self._homes.get(user)
            if current is not None:
                view = self._views[current]
                if expected_hash is not None and expected_hash != view.hash:
                    raise ApiError("hash_conflict")
                return self.update(current, spec, None)
            self._check_external_id(spec, None)
            view = self._new(user, spec, None, None)
            self._homes[user] = view.id
            return snapshot(view)

    def close(self, user: str, view_id: str, *, clear: bool = False) -> list[View]:
        """Close `view_id` (and any views above it), or the whole stack if `clear`."""
        with self.lock:
            stack = self._stacks.get(user, [])
            if view_id not in stack:
                return []
            cut = 0 if clear else stack.index(view_id)
            closed = stack[cut:]
            del stack[cut:]
            for closed_id in closed:
                self._views[closed_id].closed = True
            return snapshot([self._views[v] for v in closed])

    def set_input(self, view_id: str, values: dict[str, dict[str, Any]]) -> View:
        """Record what the user typed or picked (merged into state.values)."""
        with self.lock:
            view = self._views[view_id]
            for block_id, actions in values.items():
                view.state_values.setdefault(block_id, {}).update(copy.deepcopy(actions))
            return snapshot(view)

    def set_errors(self, view_id: str, errors: dict[str, str]) -> None:
        with self.lock:
            self._views[view_id].errors = dict(errors)

    def get(self, view_id: str) -> View:
        with self.lock:
            if view_id not in self._views:
                raise KeyError(f"no view {view_id!r}")
            return snapshot(self._views[view_id])

    def stack(self, user: str) -> list[View]:
        with self.lock:
            return snapshot([self._views[v] for v in self._stacks.get(user, [])])

    def home(self, user: str) -> View | None:
        with self.lock:
            view_id = self._homes.get(user)
            return snapshot(self._views[view_id]) if view_id else None


def _carry_over(
    fresh: dict[str, dict[str, Any]], entered: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Keep what the user already entered in inputs that survive an update (same ids)."""
    for block_id, actions in fresh.items():
        for action_id in actions:
            if action_id in entered.get(block_id, {}):
                actions[action_id] = entered[block_id][action_id]
    return fresh
