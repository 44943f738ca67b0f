"""The asset hierarchy: site → area → unit → equipment → signal.

Frames and readings are keyed by the *equipment* id (the ``asset`` column). Each
signal belongs to one equipment and declares its unit of measure. The tree is plain
data: it can be written to and read from JSON and is kept in the store.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .._compat import text_is_safe
from ._exceptions import DataError, NotFoundError
from ._units import normalize_unit

Level = Literal["site", "area", "unit", "equipment"]
LEVELS: tuple[Level, ...] = ("site", "area", "unit", "equipment")


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip() or not text_is_safe(value, max_len=120):
        raise DataError(f"{what} id {str(value)[:40]!r} must be 1-120 printable characters without < >")
    return value.strip()


@dataclass(frozen=True)
class Node:
    """A site, area, unit or equipment.

    ``kind`` says what the equipment is (``"fan"``, ``"bearing"``...); ``name_ko`` is the
    Korean display name.
    """

    id: str
    level: Level
    name: str
    parent: str | None = None
    kind: str = ""
    name_ko: str = ""
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_id(self.id, self.level)
        if self.level not in LEVELS:
            raise DataError(f"level {self.level!r} is not one of {LEVELS}")


@dataclass(frozen=True)
class Signal:
    """A measured quantity of one equipment, with its unit of measure."""

    equipment: str
    name: str
    unit: str = "1"
    description: str = ""

    def __post_init__(self) -> None:
        _check_id(self.name, "signal")
        object.__setattr__(self, "unit", normalize_unit(self.unit, column=self.name))


class AssetTree:
    """A validated hierarchy of nodes and signals.

    Examples
    --------
    >>> t = AssetTree()
    >>> t.add(Node("pohang", "site", "Pohang works"))
    >>> t.add(Node("sinter", "area", "Sinter plant", parent="pohang"))
    >>> t.add(Node("sp1", "unit", "Sinter line 1", parent="sinter"))
    >>> t.add(Node("fan-1", "equipment", "Main fan 1", parent="sp1", kind="fan"))
    >>> t.add_signal(Signal("fan-1", "vibration", "mm/s"))
    >>> t.path("fan-1")
    ['pohang', 'sinter', 'sp1', 'fan-1']
    """

    def __init__(self, nodes: Iterable[Node] = (), signals: Iterable[Signal] = ()) -> None:
        self._nodes: dict[str, Node] = {}
        self._signals: dict[tuple[str, str], Signal] = {}
        for n in nodes:
            self.add(n)
        for s in signals:
            self.add_signal(s)

    def add(self, node: Node) -> None:
        """Add a node; its parent must exist and be one level up."""
        if node.id in self._nodes:
            raise DataError(f"{node.level} {node.id!r} already exists")
        depth = LEVELS.index(node.level)
        if depth == 0:
            if node.parent is not None:
                raise DataError(f"site {node.id!r} cannot have a parent")
        else:
            parent = self._nodes.get(node.parent or "")
            if parent is None:
                raise NotFoundError(f"parent {node.parent!r} of {node.level} {node.id!r} does not exist")
            if parent.level != LEVELS[depth - 1]:
                raise DataError(
                    f"{node.level} {node.id!r} must sit under a {LEVELS[depth - 1]}, "
                    f"not under {parent.level} {parent.id!r}"
                )
        self._nodes[node.id] = node

    def add_signal(self, signal: Signal) -> None:
        """Add a signal to an existing equipment."""
        eq = self._nodes.get(signal.equipment)
        if eq is None or eq.level != "equipment":
            raise NotFoundError(f"equipment {signal.equipment!r} of signal {signal.name!r} does not exist")
        self._signals[(signal.equipment, signal.name)] = signal

    def copy(self) -> AssetTree:
        """A new tree with the same nodes and signals (nodes and signals are frozen, so they are shared).

        Examples
        --------
        >>> t = AssetTree([Node("pohang", "site", "Pohang works")])
        >>> c = t.copy(); c.add(Node("sinter", "area", "Sinter", parent="pohang"))
        >>> len(t), len(c)
        (1, 2)
        """
        new = AssetTree()
        new._nodes = dict(self._nodes)
        new._signals = dict(self._signals)
        return new

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[Node]:
        return iter(self._nodes.values())

    def __len__(self) -> int:
        return len(self._nodes)

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        try:
            return self._nodes[node_id]
        except KeyError:
            raise NotFoundError(f"asset {node_id!r} does not exist") from None

    def equipment(self) -> list[Node]:
        """All equipment nodes, in insertion order."""
        return [n for n in self._nodes.values() if n.level == "equipment"]

    def children(self, node_id: str | None) -> list[Node]:
        """Direct children of a node (sites for ``None``)."""
        return [n for n in self._nodes.values() if n.parent == node_id]

    def signals(self, equipment: str | None = None) -> list[Signal]:
        """Signals of one equipment, or of all."""
        return [s for (e, _), s in self._signals.items() if equipment is None or e == equipment]

    def signal(self, equipment: str, name: str) -> Signal:
        """One signal."""
        try:
            return self._signals[(equipment, name)]
        except KeyError:
            raise NotFoundError(f"signal {name!r} of asset {equipment!r} does not exist") from None

    def path(self, node_id: str) -> list[str]:
        """Ids from the site down to ``node_id``."""
        out = []
        cur: str | None = node_id
        while cur is not None:
            n = self.node(cur)
            out.append(n.id)
            cur = n.parent
        return out[::-1]

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON."""
        return {"nodes": [asdict(n) for n in self._nodes.values()],
                "signals": [asdict(s) for s in self._signals.values()]}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, source: str | None = None) -> AssetTree:
        """Build from :meth:`to_dict` output; parents must come before children."""
        try:
            nodes = [Node(**n) for n in data.get("nodes", [])]
            signals = [Signal(**s) for s in data.get("signals", [])]
        except TypeError as err:
            raise DataError(f"asset file entry has unexpected fields: {err}", file=source) from err
        return cls(nodes, signals)

    def save(self, path: str | Path) -> None:
        """Write as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), ensure_ascii=False, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> AssetTree:
        """Read from JSON written by :meth:`save`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise DataError(f"cannot read asset file: {err}", file=str(path)) from err
        return cls.from_dict(data, source=str(path))
