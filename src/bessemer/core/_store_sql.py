"""SQL that the DuckDB :class:`~bessemer.core.Store` and the :class:`~bessemer.core.PostgresStore` share.

Both connections take ``con.execute(sql, params)``; they differ in the parameter mark (``?`` or
``%s``), in how a list parameter is matched (``list_contains(?, col)`` or ``col = ANY(%s)``) and in
how many rows one statement sends. :class:`_SqlRows` writes each statement once with ``?`` marks
and :meth:`_SqlRows._in` for list matches; a store sets :attr:`_PH` and :attr:`_IN` and, where it has
a faster way, overrides :meth:`_executemany`. Every method runs inside the caller's transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from ._assets import LEVELS, AssetTree, Node, Signal
from ._exceptions import DataError, NotFoundError
from ._store_common import IMPORTED, _fresh_assets, _missing_assets, _unit_changed, _unknown


class _SqlRows:
    """Asset, signal and node rows of a store, once for both databases (see the module doc)."""

    #: the parameter mark of the store's driver
    _PH = "?"
    #: how a column is matched against a list parameter; ``{col}`` and ``{p}`` are filled in
    _IN = "list_contains({p}, {col})"

    def _q(self, sql: str) -> str:
        """``sql`` written with ``?`` marks, in the store's own marks (the statements here hold no other ``?``)."""
        return sql if self._PH == "?" else sql.replace("?", self._PH)

    def _in(self, col: str) -> str:
        return self._IN.format(p=self._PH, col=col)

    def _executemany(self, con: Any, sql: str, rows: list[list[Any]]) -> None:
        for r in rows:
            con.execute(sql, r)

    # ------------------------------------------------------------ nodes
    def _upsert_nodes(self, con: Any, nodes: Sequence[Node]) -> None:
        if not nodes:
            return
        seq = con.execute("SELECT coalesce(max(seq), 0) FROM nodes").fetchone()[0]
        self._executemany(con, self._q(
            """INSERT INTO nodes (id, level, name, parent, kind, name_ko, attrs, time_kind, seq)
               VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)
               ON CONFLICT (id) DO UPDATE SET level = excluded.level, name = excluded.name,
                 parent = excluded.parent, kind = excluded.kind, name_ko = excluded.name_ko,
                 attrs = excluded.attrs"""),
            [[n.id, n.level, n.name, n.parent, n.kind, n.name_ko, json.dumps(n.attrs, ensure_ascii=False, default=str),
              seq + i] for i, n in enumerate(nodes, start=1)])

    def _node_rows(self, con: Any, ids: Sequence[str] | None) -> dict[str, tuple[str, str | None]]:
        """``{id: (level, time_kind)}`` of ``ids`` (every node when ``None``)."""
        if ids is None:
            rows = con.execute("SELECT id, level, time_kind FROM nodes").fetchall()
        elif not ids:
            return {}
        else:
            sql = f"SELECT id, level, time_kind FROM nodes WHERE {self._in('id')}"  # noqa: S608 - fixed fragments
            rows = con.execute(sql, [list(ids)]).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}

    def _kinds(self, con: Any, assets: Sequence[str]) -> dict[str, str | None]:
        """The time kind of each of ``assets``; :class:`NotFoundError` names the unknown ones."""
        got = self._node_rows(con, assets)
        missing = [a for a in assets if a not in got]
        if missing:
            raise NotFoundError(_unknown("asset", missing))
        return {a: got[a][1] for a in assets}

    def _ensure_imported(self, con: Any) -> None:
        have = self._node_rows(con, list(IMPORTED))
        levels = ("site", "area", "unit")
        parents = (None, IMPORTED[0], IMPORTED[1])
        new = [Node(i, lv, "Imported", parent=p) for i, lv, p in zip(IMPORTED, levels, parents, strict=True)
               if i not in have]
        for i, lv in zip(IMPORTED, levels, strict=True):
            if i in have and have[i][0] != lv:
                raise DataError(f"node {i!r} exists as a {have[i][0]}; cannot create imported assets under it")
        self._upsert_nodes(con, new)

    def _assets_for_write(self, con: Any, assets: Sequence[str], create: bool,
                          refuse: Any) -> dict[str, tuple[str, str | None]]:
        """The node rows of ``assets``; missing ones are created as imported equipment when ``create``,
        else ``refuse(missing)`` gives the error raised."""
        got = self._node_rows(con, assets)
        missing = [a for a in assets if a not in got]
        if missing and not create:
            raise refuse(missing)
        if missing:
            self._ensure_imported(con)
            self._upsert_nodes(con, [Node(a, "equipment", a, parent=IMPORTED[2]) for a in missing])
            got.update({a: ("equipment", None) for a in missing})
        return got

    def _prepare_readings(self, con: Any, assets: Sequence[str], units: dict[str, str], kind: str,
                          source: str | None, create: bool) -> None:
        """Everything a write of readings does before the readings: assets (created when ``create``), their
        time kind (fixed by the first write), the signals and their units (refused when they differ)."""
        got = self._assets_for_write(con, assets, create, lambda missing: _missing_assets(missing, source))
        fresh = _fresh_assets(got, assets, kind, source)
        if fresh:
            sql = f"UPDATE nodes SET time_kind = ? WHERE {self._in('id')}"  # noqa: S608 - fixed fragments
            con.execute(self._q(sql), [kind, fresh])
        self._declare_signals(con, assets, units, source)

    # ------------------------------------------------------------ signals
    def _upsert_signal(self, con: Any, equipment: str, name: str, unit: str, description: str = "", *,
                       source: str | None = None) -> None:
        q = self._q
        row = con.execute(q("SELECT unit FROM signals WHERE equipment = ? AND name = ?"), [equipment, name]).fetchone()
        if row is not None:
            if row[0] == unit:
                if description:
                    con.execute(q("UPDATE signals SET description = ? WHERE equipment = ? AND name = ?"),
                                [description, equipment, name])
                return
            has = con.execute(q("SELECT 1 FROM readings WHERE asset = ? AND signal = ? LIMIT 1"),
                              [equipment, name]).fetchone()
            if has is not None:
                raise _unit_changed(equipment, name, row[0], unit, source)
            con.execute(q("UPDATE signals SET unit = ?, description = ? WHERE equipment = ? AND name = ?"),
                        [unit, description, equipment, name])
            return
        seq = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM signals").fetchone()[0]
        con.execute(q("INSERT INTO signals VALUES (?, ?, ?, ?, ?)"), [equipment, name, unit, description, seq])

    def _declare_signals(self, con: Any, assets: Sequence[str], units: dict[str, str], source: str | None) -> None:
        """Create missing (asset, signal) pairs; refuse a unit that differs from a declared one."""
        sql = f"SELECT equipment, name, unit FROM signals WHERE {self._in('equipment')}"  # noqa: S608 - fixed
        have = {(e, n): u for e, n, u in con.execute(sql, [list(assets)]).fetchall()}
        for a in assets:
            for s, unit in units.items():
                if (a, s) not in have:
                    self._upsert_signal(con, a, s, unit, source=source)
                elif have[(a, s)] != unit:
                    raise _unit_changed(a, s, have[(a, s)], unit, source, declared=True)

    def _put_tree(self, con: Any, tree: AssetTree) -> None:
        """Upsert the nodes and signals of ``tree``, then check the merged hierarchy (a failure rolls back)."""
        self._upsert_nodes(con, list(tree))
        for s in tree.signals():
            self._upsert_signal(con, s.equipment, s.name, s.unit, s.description)
        self._tree(con)

    def _tree(self, con: Any) -> AssetTree:
        rows = con.execute("SELECT id, level, name, parent, kind, name_ko, attrs FROM nodes ORDER BY seq").fetchall()
        by_level = sorted(rows, key=lambda r: LEVELS.index(r[1]) if r[1] in LEVELS else len(LEVELS))
        tree = AssetTree()
        for id_, level, name, parent, kind, name_ko, attrs in by_level:
            tree.add(Node(id_, level, name, parent=parent, kind=kind or "", name_ko=name_ko or "",
                          attrs=json.loads(attrs) if attrs else {}))
        for eq, name, unit, desc in con.execute(
                "SELECT equipment, name, unit, description FROM signals ORDER BY seq").fetchall():
            tree.add_signal(Signal(eq, name, unit, desc or ""))
        return tree


__all__: list[str] = []
