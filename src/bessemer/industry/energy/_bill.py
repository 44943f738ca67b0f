"""An itemised monthly KEPCO bill from 15-minute kWh, priced with a :class:`Tariff`.

The bill (:func:`monthly_bill`) follows the composition of the reference (§1.9):
subtotal (전기요금계) = demand charge + energy charge + climate-environment charge + fuel-cost
adjustment + power-factor charge (- discounts); total = subtotal + VAT + fund, rounded as the
data file says. Item amounts are not rounded (the data gives rounding rules only for VAT, the
fund and the total). Every Unconfirmed or Derived entry of the data that a bill used is listed
in its notes.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from bessemer.core import DataError, NotFoundError

from ._bill_inputs import _SLOT_MIN, _inputs, _Series
from ._tariff import Tariff, _entry_of
from ._tariff_schema import _ADDERS, BANDS, STATUSES, _BillingDemand, _Family, _hhmm
from ._tariff_time import _covering, _day_number, _period_index, _Slots, _Usage

_BAND_KO = {"light": "경부하", "medium": "중간부하", "maximum": "최대부하"}
_BAND_EN = {"light": "light load", "medium": "medium load", "maximum": "maximum load"}
_ADDER_LABELS = {
    "climate_environment": ("Climate-environment charge", "기후환경요금"),
    "fuel_cost_adjustment": ("Fuel-cost adjustment", "연료비조정요금"),
}


@dataclass(frozen=True)
class BillItem:
    """One line of a bill: ``amount_won = quantity x rate``."""

    code: str
    label_en: str
    label_ko: str
    quantity: float
    unit: str
    rate: float
    amount_won: float

    def to_dict(self) -> dict[str, Any]:
        """The item as a JSON-friendly mapping."""
        return {"code": self.code, "label_en": self.label_en, "label_ko": self.label_ko, "quantity": self.quantity,
                "unit": self.unit, "rate": self.rate, "amount_won": self.amount_won}


@dataclass(frozen=True)
class Bill:
    """An itemised monthly electricity bill.

    Attributes
    ----------
    month : str
        ``"YYYY-MM"`` (Seoul calendar month).
    items : list of BillItem
        Demand charge, energy charge per band, discounts, climate-environment charge, fuel-cost
        adjustment, power-factor charges. Their sum is ``subtotal_won`` (전기요금계).
    subtotal_won, vat_won, fund_won, total_won : float, int, int, int
        ``total_won`` is what is billed (청구금액), rounded as the tariff data says.
    peak_kw : float
        The month's highest 15-minute demand (kWh x 4).
    billing_demand_kw : float
        요금적용전력: the peak with the ratchet over past months and the contract-power floor.
    notes : list of str
        Assumptions, partial data, and every Unconfirmed or Derived rule the bill used.
    """

    month: str
    items: list[BillItem]
    subtotal_won: float
    vat_won: int
    fund_won: int
    total_won: int
    peak_kw: float
    billing_demand_kw: float
    notes: list[str]
    kwh: float = 0.0
    peak_time: str = ""
    contract_kw: float = 0.0
    partial: bool = False
    power_factor_pct: dict[str, float] = field(default_factory=dict)
    tariff: dict[str, Any] = field(default_factory=dict)
    sources: list[dict[str, str]] = field(default_factory=list)

    def item(self, code: str) -> BillItem:
        """The item with this code."""
        for it in self.items:
            if it.code == code:
                return it
        raise NotFoundError(f"bill {self.month} has no item {code!r}; it has {', '.join(i.code for i in self.items)}")

    def to_dict(self) -> dict[str, Any]:
        """The bill as a JSON-friendly mapping."""
        return {
            "month": self.month, "items": [i.to_dict() for i in self.items], "subtotal_won": self.subtotal_won,
            "vat_won": self.vat_won, "fund_won": self.fund_won, "total_won": self.total_won, "peak_kw": self.peak_kw,
            "billing_demand_kw": self.billing_demand_kw, "notes": list(self.notes), "kwh": self.kwh,
            "peak_time": self.peak_time, "contract_kw": self.contract_kw, "partial": self.partial,
            "power_factor_pct": dict(self.power_factor_pct), "tariff": dict(self.tariff),
            "sources": [dict(s) for s in self.sources],
        }

    def to_frame(self) -> pd.DataFrame:
        """The items, then subtotal, VAT, fund and total rows, as a table."""
        rows = [i.to_dict() for i in self.items]
        fund_rate = self.tariff.get("fund_rate", float("nan"))
        rows += [
            {"code": "subtotal", "label_en": "Electricity charge subtotal", "label_ko": "전기요금계",
             "quantity": float("nan"), "unit": "", "rate": float("nan"), "amount_won": self.subtotal_won},
            {"code": "vat", "label_en": "VAT", "label_ko": "부가가치세", "quantity": self.subtotal_won, "unit": "won",
             "rate": self.tariff.get("vat_rate", float("nan")), "amount_won": float(self.vat_won)},
            {"code": "fund", "label_en": "Electric power industry fund", "label_ko": "전력산업기반기금",
             "quantity": self.subtotal_won, "unit": "won", "rate": fund_rate, "amount_won": float(self.fund_won)},
            {"code": "total", "label_en": "Amount billed", "label_ko": "청구금액", "quantity": float("nan"),
             "unit": "", "rate": float("nan"), "amount_won": float(self.total_won)},
        ]
        return pd.DataFrame(rows, columns=["code", "label_en", "label_ko", "quantity", "unit", "rate", "amount_won"])


def _round(x: float, rule: str) -> int | float:
    d = Decimal(repr(round(x, 6)))
    if rule == "round_1":
        return int(d.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if rule == "floor_1":
        return int(d.quantize(Decimal(1), rounding=ROUND_FLOOR))
    if rule == "floor_10":
        return int((d / 10).quantize(Decimal(1), rounding=ROUND_FLOOR) * 10)
    return float(d)


def _months_back(month: str, k: int) -> str:
    y, m = int(month[:4]), int(month[5:])
    n = y * 12 + (m - 1) - k
    return f"{n // 12:04d}-{n % 12 + 1:02d}"


def _amount(q: float, r: float) -> float:
    return round(q * r, 4)


def _window_label(mask: np.ndarray) -> str:
    if mask.all():
        return "00:00-24:00"
    starts = np.flatnonzero(mask & ~np.roll(mask, 1))
    ends = np.flatnonzero(~mask & np.roll(mask, 1))
    return ", ".join(f"{_hhmm(int(a))}-{_hhmm(int(ends[(ends > a).argmax()] if (ends > a).any() else ends[0]))}"
                     for a in starts)


def _bill(kwh: _Series, tariff: Tariff, contract_kw: float, lag: np.ndarray | None, lead: np.ndarray | None,
          prior: dict[str, float]) -> Bill:
    fam = tariff._fam
    s = _Slots.of(kwh.times, fam.holiday_calendar)
    usage = _Usage()
    first = kwh.times[0]
    month = f"{first.year:04d}-{first.month:02d}"
    n_days = calendar.monthrange(first.year, first.month)[1]
    notes: list[str] = []

    # which rate version prices each interval
    version = _covering("rate table", [v.p for v in fam.rates], s, fam.family)
    used = [int(v) for v in np.unique(version)]
    parts = tariff._parts(s, usage, version=version)
    entries = {v: _entry_of(fam, v, tariff.voltage, tariff.option) for v in used}
    multi = len(used) > 1

    def suffix(v: int) -> tuple[str, str]:
        p = fam.rates[v].p
        return (f"_{p.start:%Y%m%d}", f" (rates {p.label()})") if multi else ("", "")

    # demand
    values = kwh.values
    peak_i = int(np.argmax(values))
    peak_kw = float(values[peak_i]) * 60 / _SLOT_MIN
    demand_notes: list[str] = []
    billing_kw = _billing_demand(fam.billing_demand, month, peak_kw, contract_kw, prior, usage, demand_notes)
    if tariff.time_of_use and int(parts["band"][peak_i]) == 0:
        demand_notes.append(f"The month's peak ({peak_kw:g} kW at {kwh.times[peak_i]}) fell in light-load hours; "
                            "whether light-load demand counts toward billing demand is Unconfirmed (it counts here).")
    items: list[BillItem] = []
    demand_rates = {entries[v].demand for v in used}
    if len(demand_rates) == 1:
        rate = entries[used[0]].demand
        items.append(BillItem("demand", "Demand charge", "기본요금", billing_kw, "kW", rate,
                              _amount(billing_kw, rate)))
    else:
        month_days = np.arange(_day_number(date(first.year, first.month, 1)),
                               _day_number(date(first.year, first.month, n_days)) + 1)
        cover = _period_index([v.p for v in fam.rates], month_days)
        covered = int(sum((cover == v).sum() for v in used))
        for v in used:
            share = float((cover == v).sum()) / covered
            rate = entries[v].demand * share
            code, label = suffix(v)
            items.append(BillItem(f"demand{code}", f"Demand charge{label}, {share:.4g} of the month",
                                  f"기본요금{label}", billing_kw, "kW", round(rate, 6), _amount(billing_kw, rate)))
        notes.append("The demand charge changed within the month; it is pro-rated by calendar days (an assumption: "
                     "the tariff data gives no rule for this).")
    demand_charge = sum(i.amount_won for i in items)

    # energy, per version and band (or season for a flat charge)
    for v in used:
        entry = entries[v]
        code_sfx, label_sfx = suffix(v)
        at_v = version == v
        if entry.time_of_use:
            for b, band in enumerate(BANDS):
                at = at_v & (parts["band"] == b)
                q = float(values[at].sum())
                rates_here = np.unique(parts["energy_rate"][at]) if at.any() else np.array(
                    [entry.energy[fam.season_names[int(parts["season"][at_v][0])]][band]])
                for rate in rates_here:
                    qq = float(values[at & (parts["energy_rate"] == rate)].sum()) if len(rates_here) > 1 else q
                    items.append(BillItem(f"energy_{band}{code_sfx}", f"Energy charge, {_BAND_EN[band]}{label_sfx}",
                                          f"전력량요금({_BAND_KO[band]}){label_sfx}", qq, "kWh", float(rate),
                                          _amount(qq, float(rate))))
        else:
            for rate in np.unique(parts["energy_rate"][at_v]):
                at = at_v & (parts["energy_rate"] == rate)
                q = float(values[at].sum())
                items.append(BillItem(f"energy{code_sfx}", f"Energy charge{label_sfx}", f"전력량요금{label_sfx}", q,
                                      "kWh", float(rate), _amount(q, float(rate))))
    # discounts, per version and band
    disc = parts["discount"] > 0
    if disc.any():
        for v in used:
            code_sfx, label_sfx = suffix(v)
            for b in np.unique(parts["band"][disc & (version == v)]):
                at = disc & (version == v) & (parts["band"] == b)
                for rate, frac in sorted({(float(r), float(f)) for r, f in zip(parts["energy_rate"][at],
                                                                             parts["discount"][at], strict=True)}):
                    sel = at & (parts["energy_rate"] == rate) & (parts["discount"] == frac)
                    q = float(values[sel].sum())
                    band = BANDS[int(b)] if b >= 0 else ""
                    names = [d for d in fam.discounts if (_period_index([d.p], s.days[sel]) >= 0).any()]
                    en = names[0].label_en if len(names) == 1 else "Time-of-use discount"
                    ko = names[0].label_ko if len(names) == 1 else "시간대 할인"
                    band_en = f", {_BAND_EN[band]}" if band else ""
                    band_ko = f"({_BAND_KO[band]})" if band else ""
                    code = f"discount{'_' + band if band else ''}{code_sfx}"
                    items.append(BillItem(code, f"{en}{band_en}{label_sfx}", f"{ko}{band_ko}{label_sfx}", q, "kWh",
                                          round(-rate * frac, 6),
                                          _amount(q, -rate * frac)))
    # per-kWh adders
    for name in _ADDERS:
        en, ko = _ADDER_LABELS[name]
        rates_here = np.unique(parts[name])
        for rate in rates_here:
            q = float(values[parts[name] == rate].sum())
            code = name if len(rates_here) == 1 else f"{name}_{rate:g}"
            items.append(BillItem(code, en, ko, q, "kWh", float(rate), _amount(q, float(rate))))
    for name, value in usage.assumed.items():
        notes.append(f"Assumed {name.replace('_', '-')} {value:g} won/kWh where the tariff data has no value "
                     "(given with load_tariff(..., assume=...)).")

    # power factor
    pf_pct = _power_factor(fam, s, values, lag, lead, demand_charge, items, usage, notes)

    # totals
    subtotal = round(math.fsum(i.amount_won for i in items), 4)
    vat = _round(subtotal * fam.vat_rate, str(fam.vat["rounding"]))
    fund_idx = _covering("power industry fund rate", [e.p for e in fam.fund], s, fam.family)
    fund_entry = fam.fund[int(fund_idx[0])]
    if len(np.unique(fund_idx)) > 1:
        notes.append(f"The power industry fund rate changes within the month; the rate in force on the first "
                     f"interval ({fund_entry.value:.1%}) is applied to the whole subtotal.")
    usage.add(f"power industry fund {fund_entry.value:.1%}, {fund_entry.p.label()}", fund_entry.p.source,
              fund_entry.p.status, fund_entry.p.note)
    fund = _round(subtotal * fund_entry.value, str(fam.rounding["fund"]["rule"]))
    total = _round(subtotal + vat + fund, str(fam.rounding["total"]["rule"]))
    usage.add("VAT and rounding", f"VAT: {fam.vat['source']}; fund and total: {fam.rounding['total']['source']}",
              min((fam.vat["status"], fam.rounding["fund"]["status"], fam.rounding["total"]["status"]),
                  key=lambda st: -STATUSES.index(st)))

    # notes
    expected = n_days * 24 * 60 // _SLOT_MIN
    partial = len(values) < expected
    if partial:
        notes.insert(0, f"Partial month: {len(values)} of {expected} 15-minute intervals "
                        f"({len(values) / expected:.1%}) from {kwh.times[0]} to {kwh.times[-1]}; the charges cover "
                        "the data given and the demand charge is a full month's.")
    notes.insert(0, f"Tariff: {tariff.label_ko} ({tariff.label_en}); rates " +
                 ", ".join(f"{fam.rates[v].p.label()} ({fam.rates[v].p.status})" for v in used) + ".")
    notes[1 + partial:1 + partial] = demand_notes
    if fam.min_contract_kw is not None and contract_kw < fam.min_contract_kw:
        notes.append(f"Contract power {contract_kw:g} kW is below the {fam.min_contract_kw:g} kW this tariff is for.")
    if fam.max_contract_kw is not None and contract_kw >= fam.max_contract_kw:
        notes.append(f"Contract power {contract_kw:g} kW is not below the {fam.max_contract_kw:g} kW limit of this "
                     "tariff.")
    for d in fam.discounts:
        if d.p.note and f"discount '{d.code}'" in usage.entries:
            notes.append(f"{d.label_en}: {d.p.note}")
    flagged = [e for e in usage.entries.values() if e["status"] in ("Unconfirmed", "Derived")]
    for e in flagged:
        notes.append(f"{e['status']}: {e['what']}" + (f" ({e['note']})" if e["note"] else "") + ".")
    notes.append("Item amounts and kW are not rounded; the tariff data gives rounding rules for VAT "
                 f"({fam.vat['rounding']}), the fund ({fam.rounding['fund']['rule']}) and the total "
                 f"({fam.rounding['total']['rule']}).")

    return Bill(
        month=month, items=items, subtotal_won=subtotal, vat_won=int(vat), fund_won=int(fund), total_won=int(total),
        peak_kw=peak_kw, billing_demand_kw=billing_kw, notes=notes, kwh=float(values.sum()),
        peak_time=kwh.times[peak_i].isoformat(), contract_kw=contract_kw, partial=partial, power_factor_pct=pf_pct,
        tariff={"family": fam.family, "voltage": tariff.voltage, "option": tariff.option,
                "label_en": tariff.label_en, "label_ko": tariff.label_ko,
                "versions": [fam.rates[v].p.label() for v in used], "vat_rate": fam.vat_rate,
                "fund_rate": fund_entry.value},
        sources=list(usage.entries.values()))


def _billing_demand(rule: _BillingDemand, month: str, peak_kw: float, contract_kw: float, prior: dict[str, float],
                    usage: _Usage, notes: list[str]) -> float:
    usage.add("billing demand rule", rule.source, rule.status, rule.note)
    candidates = {month: peak_kw}
    missing = []
    for k in range(1, rule.window):
        m = _months_back(month, k)
        if int(m[5:]) in rule.months:
            if m in prior:
                candidates[m] = prior[m]
            else:
                missing.append(m)
    top_month = max(candidates, key=lambda m: (candidates[m], m == month))
    ratchet = candidates[top_month]
    floor = rule.floor * contract_kw
    if floor > ratchet:
        usage.add("billing demand floor", rule.floor_source, rule.floor_status)
        notes.append(f"Billing demand {floor:g} kW = {rule.floor:.0%} of contract power {contract_kw:g} kW (floor, "
                     f"{rule.floor_status}); the highest demand counted was {ratchet:g} kW ({top_month}).")
    elif top_month == month:
        notes.append(f"Billing demand {ratchet:g} kW = this month's peak.")
    else:
        counted = ", ".join(calendar.month_abbr[m] for m in sorted(rule.months))
        notes.append(f"Billing demand {ratchet:g} kW = the peak of {top_month} (ratchet over the {counted} months "
                     f"within {rule.window} months); this month's peak is {peak_kw:g} kW.")
    if missing:
        notes.append(f"No peak given for {', '.join(sorted(missing))}, which count toward billing demand; pass "
                     "prior_peaks_kw (or bill the months together with bills()) or the billing demand may be low.")
    return max(floor, ratchet)


def _power_factor(fam: _Family, s: _Slots, values: np.ndarray, lag: np.ndarray | None, lead: np.ndarray | None,
                  demand_charge: float, items: list[BillItem], usage: _Usage, notes: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    if lag is None and lead is None:
        notes.append("No reactive energy given: no power-factor charge computed (customers without a reactive-power "
                     "meter are deemed to have a lagging PF of 90 %, Secondary).")
        return out
    idx = _covering("power-factor rule", [p.p for p in fam.power_factor], s, fam.family)
    if len(np.unique(idx)) > 1:
        raise DataError(f"the power-factor rule of {fam.family} changes within the month; bill without kvarh or "
                        "split the month", column="lagging_kvarh")
    rule = fam.power_factor[int(idx[0])]
    usage.add(f"power-factor rule {rule.p.label()}", rule.p.source, rule.p.status, rule.p.note)
    if "window_status" in rule.extra:
        usage.add("power-factor measurement windows", str(rule.extra.get("window_source", "")),
                  str(rule.extra["window_status"]))
    for kind, q, window, ref, code, en, ko in (
            ("lagging", lag, rule.lagging_window, rule.lagging_ref, "pf_lagging", "Power-factor charge, lagging",
             "역률요금(지상)"),
            ("leading", lead, rule.leading_window, rule.leading_ref, "pf_leading", "Power-factor charge, leading",
             "역률요금(진상)")):
        if q is None:
            notes.append(f"No {kind} kvarh given: no {kind} power-factor charge computed.")
            continue
        at = window[s.minute]
        p_sum, q_sum = float(values[at].sum()), float(q[at].sum())
        hours = _window_label(window)
        if p_sum == 0 and q_sum == 0:
            notes.append(f"No energy in the {kind} power-factor window ({hours}): no {kind} charge.")
            continue
        pf = 100.0 * p_sum / math.hypot(p_sum, q_sum)
        out[kind] = pf
        shortfall = max(0.0, ref - pf)
        notes.append(f"{kind.capitalize()} power factor {pf:.2f} % over {hours} ({p_sum:g} kWh, {q_sum:g} kvarh); "
                     f"reference {ref:g} %.")
        if shortfall > 0:
            rate = demand_charge * rule.per_point
            items.append(BillItem(code, en, ko, round(shortfall, 10), "%pt", round(rate, 6),
                                  _amount(shortfall, rate)))
    notes.append("Power-factor charge: surcharge only; no PF credit and no lower PF limit are applied (Unconfirmed "
                 "rules), and the PF is not rounded.")
    return out


def monthly_bill(kwh: pd.Series, *, tariff: Tariff, contract_kw: float, lagging_kvarh: pd.Series | None = None,
                 leading_kvarh: pd.Series | None = None, prior_peaks_kw: Mapping[str, float] | None = None) -> Bill:
    """The itemised bill of one calendar month (Seoul time) from 15-minute energy.

    Parameters
    ----------
    kwh : Series
        kWh per 15 minutes, indexed by interval start (timezone-aware in any zone, or naive Seoul
        time), all in one calendar month. Missing intervals are allowed (the bill is flagged
        partial); NaN, negative, duplicate or out-of-order values are refused, naming the time.
    tariff : Tariff
        From :func:`load_tariff`. It names the family, voltage and option; each interval is priced
        with the version in force at its time (a month across a tariff change uses both).
    contract_kw : float
        Contract power (계약전력) in kW: the floor of billing demand is a share of it.
    lagging_kvarh, leading_kvarh : Series, optional
        Reactive energy per 15 minutes on the same timestamps, for the power-factor charge: lagging
        PF over 09-23 h, leading PF over 23-09 h (the data file's windows), from the summed kWh and
        kvarh. Without them no power-factor charge is computed.
    prior_peaks_kw : mapping, optional
        ``"YYYY-MM" -> kW``: peaks of earlier months, for the billing-demand ratchet (months Dec,
        Jan, Feb, Jul, Aug, Sep within the last 12 count).

    Returns
    -------
    Bill

    Examples
    --------
    >>> from bessemer.industry.energy import load_tariff
    >>> t = load_tariff(voltage="high_a", option="II", on="2018-03-01")
    >>> idx = pd.date_range("2018-03-01", "2018-04-01", freq="15min", tz="Asia/Seoul", inclusive="left")
    >>> bill = monthly_bill(pd.Series(25.0, index=idx), tariff=t, contract_kw=500)
    >>> bill.peak_kw, bill.billing_demand_kw  # 25 kWh x 4 = 100 kW; floor 30 % x 500 kW
    (100.0, 150.0)
    >>> [i.code for i in bill.items]
    ['demand', 'energy_light', 'energy_medium', 'energy_maximum', 'climate_environment', 'fuel_cost_adjustment']
    >>> bill.item("demand").amount_won == 150.0 * 8320
    True
    """
    series, contract, lag, lead, peaks = _inputs(kwh, tariff, contract_kw, lagging_kvarh, leading_kvarh,
                                                 prior_peaks_kw, one_month=True)
    return _bill(series, tariff, contract, lag, lead, peaks)


def bills(kwh: pd.Series, *, tariff: Tariff, contract_kw: float, lagging_kvarh: pd.Series | None = None,
          leading_kvarh: pd.Series | None = None, prior_peaks_kw: Mapping[str, float] | None = None) -> list[Bill]:
    """One bill per calendar month (Seoul time) of a longer 15-minute series.

    Each month's peak is carried forward into the billing demand of the months after it (the
    ratchet), on top of ``prior_peaks_kw``. Arguments are those of :func:`monthly_bill`.

    Examples
    --------
    >>> from bessemer.industry.energy import load_tariff
    >>> t = load_tariff(on="2018-07-01")
    >>> idx = pd.date_range("2018-07-01", "2018-09-01", freq="15min", tz="Asia/Seoul", inclusive="left")
    >>> load = pd.Series(50.0, index=idx)
    >>> load[idx.month == 8] = 20.0
    >>> [b.billing_demand_kw for b in bills(load, tariff=t, contract_kw=400)]  # August keeps July's 200 kW
    [200.0, 200.0]
    """
    series, contract, lag, lead, peaks = _inputs(kwh, tariff, contract_kw, lagging_kvarh, leading_kvarh,
                                                 prior_peaks_kw, one_month=False)
    keys = series.month_keys()
    out = []
    for k in np.unique(keys):
        at = keys == k
        part = _Series(series.times[at], series.values[at], "kwh")
        bill = _bill(part, tariff, contract, None if lag is None else lag[at], None if lead is None else lead[at],
                     peaks)
        peaks[bill.month] = bill.peak_kw
        out.append(bill)
    return out
