"""The changes a :class:`Scenario` applies to a baseline's activities: pathways, production shifts, renewable power.

Each change is a mapping checked by :func:`_check_change`; each ``_apply_*`` returns new activity lines
(the input is not modified) that carry an :class:`Adjustment` naming the figure used and its source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bessemer.core import DataError, NotFoundError

from ._activities import MAX_AMOUNT, Activity, Adjustment, _norm_field, _number
from ._factors import _ASSUMPTION_SOURCE, FactorSet, Route, _show

_OPS: dict[str, dict[str, bool]] = {  # op -> {key: required}
    "pathway": {"pathway": True, "process": True, "share": True, "reduction": False, "kwh": False,
                "renewable_share": False},
    "shift_production": {"from": True, "to": True, "share": True, "route": False},
    "renewable_power": {"share": True, "process": False},
}
_COMMON = {"op", "note", "assumption"}


def _check_change(ch: Any, name: str, i: int) -> dict[str, Any]:
    where = {"file": f"scenario {name!r}", "row": i}
    if not isinstance(ch, Mapping):
        raise DataError(f"expected a change mapping, got {type(ch).__name__}", **where)
    op = ch.get("op")
    if op not in _OPS:
        raise DataError(f"unknown op {_show(op)}; expected one of {sorted(_OPS)}", column="op", **where)
    spec = _OPS[op]
    for k in ch:
        if k not in spec and k not in _COMMON:
            raise DataError(f"unknown key {_show(k)} for op {op!r}; expected some of {sorted(spec)}", column=str(k),
                            **where)
    for k, req in spec.items():
        if req and ch.get(k) is None:
            raise DataError(f"op {op!r} needs {k!r}", column=k, **where)
    out = dict(ch)
    for k in ("share", "reduction", "renewable_share"):
        if out.get(k) is not None:
            v = _number(out[k], where["file"], i, k)
            if not 0.0 <= v <= 1.0:
                raise DataError(f"{k} must be a fraction in [0, 1], got {v}", column=k, **where)
            out[k] = v
    if out.get("kwh") is not None:
        v = _number(out["kwh"], where["file"], i, "kwh")
        if not 0.0 <= v <= MAX_AMOUNT:
            raise DataError(f"kwh must be in [0, {MAX_AMOUNT:.0e}], got {v}", column="kwh", **where)
        out["kwh"] = v
    for k in ("pathway", "process", "from", "to", "route"):
        if out.get(k) is not None:
            out[k] = _norm_field(out[k], where["file"], i, k)
    if "assumption" in out and not isinstance(out["assumption"], bool):
        raise DataError(f"'assumption' must be true or false, got {_show(out['assumption'])}", column="assumption",
                        **where)
    return out


def _producer(acts: Sequence[Activity], process: str, fs: FactorSet) -> tuple[Activity, Route]:
    for a in acts:
        if a.kind == "production" and a.process == process:
            return a, fs.route(a.item)
    have = sorted({a.process for a in acts if a.kind == "production"})  # type: ignore[type-var]
    raise DataError(f"no production line for process {process!r}; processes with production: {have}",
                    column="process")


def _apply_pathway(acts: list[Activity], ch: Mapping[str, Any], fs: FactorSet) -> list[Activity]:
    try:
        pw = fs.pathway(ch["pathway"])
    except NotFoundError as err:
        raise DataError(str(err), column="pathway") from err
    proc, s = ch["process"], ch["share"]
    route = _producer(acts, proc, fs)[1]
    if pw.applies_to and route.id != pw.applies_to:
        raise DataError(f"pathway {pw.id!r} applies to a {pw.applies_to} process; {proc!r} is {route.id}",
                        column="process")
    if ch.get("reduction") is not None:
        red, status, srcs = ch["reduction"], "Assumption", (_ASSUMPTION_SOURCE,)
        how = f"assumed reduction {red:.0%} (scenario input)"
    elif pw.co2_reduction is not None:
        red, status, srcs = pw.co2_reduction, pw.status, pw.sources
        how = f"reported reduction {red:.0%} ({pw.reported[:80]})"
    else:
        raise DataError(f"pathway {pw.id!r} has no reported reduction of the cracker's own emissions "
                        f"(reported: {pw.reported}); give 'reduction' as your assumption", column="reduction")
    if pw.kind == "electrification" and ch.get("kwh") is None:
        raise DataError(f"pathway {pw.id!r} needs 'kwh', the electricity the electrified furnaces draw "
                        "(the reference gives no plant figure)", column="kwh")
    if pw.kind != "electrification" and (ch.get("kwh") is not None or ch.get("renewable_share") is not None):
        raise DataError(f"'kwh' and 'renewable_share' apply to electrification pathways, not {pw.id!r}", column="kwh")

    def adj(text: str, st: str = status, sr: tuple[str, ...] = srcs) -> Adjustment:
        return Adjustment(text=f"{pw.id} on {s:.0%} of {proc!r}: {text}", status=st, sources=sr)

    out: list[Activity] = []
    for a in acts:
        if a.process != proc:
            out.append(a)
            continue
        direct_route = a.kind == "production" and a.method == "route-average"
        if pw.kind == "feedstock":
            if a.kind == "fuel" or direct_route:
                out.append(a.adjusted(adj(f"emissions x (1 - {s:g} x {red:g}); {how}"),
                                      emission_multiplier=a.emission_multiplier * (1 - s * red)))
            elif a.kind == "feedstock" and a.item != pw.feedstock and a.amount > 0:
                fa = adj(f"{s:.0%} of {a.item} bought as {pw.feedstock}")
                out.append(a.adjusted(fa, amount=a.amount * (1 - s)))
                out.append(a.adjusted(fa, item=pw.feedstock, amount=a.amount * s))  # type: ignore[arg-type]
            else:
                out.append(a)
        elif pw.kind == "electrification":
            if a.kind == "fuel":
                out.append(a.adjusted(adj("fuel of the electrified share no longer burned", pw.status, pw.sources),
                                      amount=a.amount * (1 - s)))
            elif direct_route:
                out.append(a.adjusted(adj(f"route emissions x (1 - {s:g} x {red:g}); {how}"),
                                      emission_multiplier=a.emission_multiplier * (1 - s * red)))
            else:
                out.append(a)
        else:  # process change: reported energy and CO2 reductions
            e = pw.energy_reduction if ch.get("reduction") is None else red
            if a.kind == "fuel" and e is not None:
                out.append(a.adjusted(adj(f"fuel x (1 - {s:g} x {e:g}); reported energy reduction"),
                                      amount=a.amount * (1 - s * e)))
            elif a.kind == "fuel" or direct_route:
                out.append(a.adjusted(adj(f"emissions x (1 - {s:g} x {red:g}); {how}"),
                                      emission_multiplier=a.emission_multiplier * (1 - s * red)))
            else:
                out.append(a)
    if pw.kind == "electrification":
        rs = ch.get("renewable_share") or 0.0
        out.append(Activity(kind="electricity", item="grid", amount=ch["kwh"], unit="kWh", process=proc,
                            renewable_share=rs, scenario_added=True,
                            adjustments=(Adjustment(f"{pw.id}: power for the electrified furnaces (scenario input)",
                                                    "Assumption", (_ASSUMPTION_SOURCE,)),)))
    return out


def _apply_shift(acts: list[Activity], ch: Mapping[str, Any], fs: FactorSet) -> list[Activity]:
    src, s = ch["from"], ch["share"]
    sprod, sroute = _producer(acts, src, fs)
    dst = ch["to"]
    if dst == src:
        raise DataError("'from' and 'to' name the same process", column="to")
    dprod = next((a for a in acts if a.kind == "production" and a.process == dst), None)
    moved = sprod.amount * s
    if dprod is not None:
        droute = fs.route(dprod.item)
        if droute.product != sroute.product:
            raise DataError(f"{src!r} makes {sroute.product} but {dst!r} makes {droute.product}", column="to")
        if dprod.amount <= 0:
            raise DataError(f"process {dst!r} has no output to scale from; give it a production amount or "
                            "remove it and pass 'route'", column="to")
        k = (dprod.amount + moved) / dprod.amount
    else:
        if ch.get("route") is None:
            raise DataError(f"process {dst!r} is not in the baseline; pass 'route' to create it as a "
                            "route-average process", column="route")
        try:
            droute = fs.route(ch["route"])
        except NotFoundError as err:
            raise DataError(str(err), column="route") from err
        if droute.product != sroute.product:
            raise DataError(f"{src!r} makes {sroute.product} but route {droute.id} makes {droute.product}",
                            column="route")
        k = 1.0
    note = f"{s:.0%} of {src!r} output ({moved:,.0f} t {sroute.product}) moved to {dst!r}"
    a_src = Adjustment(f"{note}; lines of {src!r} x {1 - s:g}", "Assumption", (_ASSUMPTION_SOURCE,))
    a_dst = Adjustment(f"{note}; lines of {dst!r} x {k:g}", "Assumption", (_ASSUMPTION_SOURCE,))
    out = []
    for a in acts:
        if a.process == src:
            out.append(a.adjusted(a_src, amount=a.amount * (1 - s)))
        elif a.process == dst and dprod is not None:
            out.append(a.adjusted(a_dst, amount=a.amount * k))
        else:
            out.append(a)
    if dprod is None:
        out.append(Activity(kind="production", item=droute.id, amount=moved, unit="t", process=dst,
                            method="route-average", adjustments=(a_dst,)))
    return out


def _apply_renewable(acts: list[Activity], ch: Mapping[str, Any], fs: FactorSet) -> list[Activity]:
    proc, s = ch.get("process"), ch["share"]
    hit = [a for a in acts if a.kind == "electricity" and (proc is None or a.process == proc)]
    if not hit:
        raise DataError(f"no electricity lines{f' for process {proc!r}' if proc else ''} to put on a renewable PPA",
                        column="process")
    adj = Adjustment(f"renewable PPA share set to {s:.0%} (0 t/MWh, assumption)", "Assumption", (_ASSUMPTION_SOURCE,))
    return [a.adjusted(adj, renewable_share=s) if a.kind == "electricity" and (proc is None or a.process == proc)
            else a for a in acts]


_APPLY = {"pathway": _apply_pathway, "shift_production": _apply_shift, "renewable_power": _apply_renewable}
