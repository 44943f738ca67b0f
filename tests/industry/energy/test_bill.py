"""Itemised monthly bills: a hand-checked month, power factor, the billing-demand ratchet, bad input, real 2018 data."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bessemer.core import ConfigError, DataError
from bessemer.industry.energy._bill import Bill, bills, monthly_bill
from bessemer.industry.energy._tariff import load_tariff

REPO = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("BESSEMER_DATA") or REPO.parent / "shared" / "data")
STEEL = DATA / "steel_energy_uci" / "Steel_industry_data.csv"
SEOUL = "Asia/Seoul"


def _month(start: str, end: str, tz: str | None = SEOUL) -> pd.DatetimeIndex:
    return pd.date_range(start, end, freq="15min", tz=tz, inclusive="left")


def _by_clock(idx: pd.DatetimeIndex, light: float, medium: float, maximum: float) -> np.ndarray:
    """A load that follows the 2018 summer/spring-fall weekday clock bands on every day, weekends included."""
    h = idx.hour
    is_max = ((h >= 10) & (h < 12)) | ((h >= 13) & (h < 17))
    is_light = (h >= 23) | (h < 9)
    return np.where(is_light, light, np.where(is_max, maximum, medium))


# ---------------------------------------------------------------------------------------------------------------
# the hand-checked bill


def test_a_hand_checked_month_to_the_won():
    """March 2018, 고압A 선택II, contract 1,000 kW, worked out from the published tables (reference §1.5, §1.7-1.11).

    Calendar (Seoul): 31 days; Thursday 1 March is a public holiday (삼일절); Saturdays 3, 10, 17, 24, 31;
    Sundays 4, 11, 18, 25; so 21 ordinary weekdays. Season: spring/fall. Weekday bands (2018 schedule):
    light 23-09 (40 slots), medium 09-10, 12-13, 17-23 (32 slots), maximum 10-12, 13-17 (24 slots).

    Load on every day, by clock hour: 50 kWh per 15 min in light hours, 80 in medium hours, 120 in maximum
    hours. Reactive energy: lagging kvarh = 3/4 of kWh over 09-23 (PF 4/5 = 80 %), leading kvarh = 5/12 of
    kWh over 23-09 (PF 12/13); outside their windows both are 1,000 kvarh per slot, which must be ignored.
    """
    idx = _month("2018-03-01", "2018-04-01")
    kwh = pd.Series(_by_clock(idx, 50.0, 80.0, 120.0), index=idx)
    day_window = (idx.hour >= 9) & (idx.hour < 23)
    lagging = pd.Series(np.where(day_window, 0.75 * kwh, 1000.0), index=idx)
    leading = pd.Series(np.where(day_window, 1000.0, 5.0 / 12.0 * kwh), index=idx)
    tariff = load_tariff(voltage="high_a", option="II", on="2018-03-01")
    bill = monthly_bill(kwh, tariff=tariff, contract_kw=1000, lagging_kvarh=lagging, leading_kvarh=leading)

    # published 2018 고압A 선택II rates (§1.5): demand 8,320 won/kW; spring/fall 56.1 / 78.6 / 109.3 won/kWh
    demand_rate, light_rate, medium_rate, max_rate = 8320, 56.1, 78.6, 109.3

    # demand: peak 120 kWh in 15 min = 480 kW; no earlier month given; floor 30 % x 1,000 kW = 300 kW < 480 kW
    billing_kw = 480
    demand = billing_kw * demand_rate  # 3,993,600

    # energy per billing band (Saturday maximum -> medium; Sunday and holiday -> light):
    day_light, day_medium, day_max = 40 * 50, 32 * 80, 24 * 120  # 2,000 / 2,560 / 2,880 kWh per day
    kwh_light = 21 * day_light + 5 * day_light + 5 * (day_light + day_medium + day_max)  # 89,200
    kwh_medium = 21 * day_medium + 5 * (day_medium + day_max)  # 80,960
    kwh_max = 21 * day_max  # 60,480
    energy = kwh_light * light_rate + kwh_medium * medium_rate + kwh_max * max_rate  # 17,978,040

    # power factor (§1.10): surcharge = demand charge x (reference - PF %) x 0.2 %
    pf_lagging = (90 - 80) * 0.002 * demand  # 79,872
    pf_leading = (95 - 1200 / 13) * 0.002 * demand  # (95 - 92.31) -> 21,504

    # 2018: no separate climate-environment charge, no fuel-cost adjustment (§1.8)
    subtotal = demand + energy + pf_lagging + pf_leading  # 22,073,016
    vat = 2_207_302  # 10 % = 2,207,301.6, rounded to the nearest won
    fund = 816_700  # 3.7 % = 816,701.592, under 10 won truncated
    total = 25_097_010  # 22,073,016 + 2,207,302 + 816,700 = 25,097,018, under 10 won truncated
    assert round(subtotal * 0.10) == vat and int(subtotal * 0.037) // 10 * 10 == fund
    assert int(subtotal + vat + fund) // 10 * 10 == total

    assert bill.month == "2018-03" and not bill.partial
    assert bill.peak_kw == 480 and bill.billing_demand_kw == billing_kw
    assert [i.code for i in bill.items] == ["demand", "energy_light", "energy_medium", "energy_maximum",
                                            "climate_environment", "fuel_cost_adjustment", "pf_lagging", "pf_leading"]
    got = {i.code: i for i in bill.items}
    assert (got["energy_light"].quantity, got["energy_medium"].quantity, got["energy_maximum"].quantity) == (
        kwh_light, kwh_medium, kwh_max)
    assert (got["energy_light"].rate, got["energy_medium"].rate, got["energy_maximum"].rate) == (
        light_rate, medium_rate, max_rate)
    expected = {"demand": demand, "energy_light": kwh_light * light_rate, "energy_medium": kwh_medium * medium_rate,
                "energy_maximum": kwh_max * max_rate, "climate_environment": 0, "fuel_cost_adjustment": 0,
                "pf_lagging": pf_lagging, "pf_leading": pf_leading}
    assert {k: round(v.amount_won) for k, v in got.items()} == {k: round(v) for k, v in expected.items()}
    assert round(bill.subtotal_won) == round(subtotal) == 22_073_016
    assert (bill.vat_won, bill.fund_won, bill.total_won) == (vat, fund, total)
    assert bill.power_factor_pct == {"lagging": pytest.approx(80.0), "leading": pytest.approx(1200 / 13)}
    # every item is quantity x rate, and the frame ends with the totals
    for item in bill.items:
        assert item.amount_won == pytest.approx(item.quantity * item.rate, abs=0.01)
    frame = bill.to_frame()
    assert frame["code"].tolist()[-4:] == ["subtotal", "vat", "fund", "total"]
    assert frame["amount_won"].iloc[-1] == total
    # the notes say which Unconfirmed rules priced this month
    notes = "\n".join(bill.notes)
    for phrase in ("day rule 'saturday'", "day rule 'sunday_holiday'", "Derived: rates 2018-01-01 to 2020-12-31",
                   "Unconfirmed: fuel-cost-adjustment 0", "No peak given for 2017-07, 2017-08, 2017-09, 2017-12"):
        assert phrase in notes
    json.dumps(bill.to_dict())


def test_the_bill_does_not_depend_on_the_timezone_of_the_index():
    idx = _month("2018-03-01", "2018-04-01")
    values = _by_clock(idx, 50.0, 80.0, 120.0)
    seoul = monthly_bill(pd.Series(values, index=idx), tariff=load_tariff(on="2018-03-01"), contract_kw=1000)
    utc = monthly_bill(pd.Series(values, index=idx.tz_convert("UTC")), tariff=load_tariff(on="2018-03-01"),
                       contract_kw=1000)
    naive = monthly_bill(pd.Series(values, index=idx.tz_localize(None)), tariff=load_tariff(on="2018-03-01"),
                         contract_kw=1000)
    assert seoul.total_won == utc.total_won == naive.total_won
    assert [i.to_dict() for i in seoul.items] == [i.to_dict() for i in utc.items]


# ---------------------------------------------------------------------------------------------------------------
# power factor


def _pf_month():
    idx = _month("2018-04-01", "2018-05-01")
    kwh = pd.Series(40.0, index=idx)
    day = (idx.hour >= 9) & (idx.hour < 23)
    return idx, kwh, day


def test_lagging_power_factor_below_90_percent_is_surcharged():
    idx, kwh, day = _pf_month()
    t = load_tariff(on="2018-04-01")
    # PF 0.6 over 09-23 (kvarh = 4/3 kWh); nothing leading
    lagging = pd.Series(np.where(day, 40.0 * 4 / 3, 0.0), index=idx)
    bill = monthly_bill(kwh, tariff=t, contract_kw=500, lagging_kvarh=lagging, leading_kvarh=0 * kwh)
    demand = 160 * 8320  # peak 40 x 4 = 160 kW > 150 kW floor
    assert bill.item("pf_lagging").amount_won == pytest.approx((90 - 60) * 0.002 * demand)
    assert "pf_leading" not in [i.code for i in bill.items]  # leading PF 100 %
    # a good lagging PF gives no surcharge (and no credit: that rule is Unconfirmed)
    good = monthly_bill(kwh, tariff=t, contract_kw=500, lagging_kvarh=0.3 * lagging)
    assert good.power_factor_pct["lagging"] > 90
    assert not [i for i in good.items if i.code.startswith("pf_")]
    assert good.subtotal_won == pytest.approx(bill.subtotal_won - bill.item("pf_lagging").amount_won)


def test_leading_power_factor_below_95_percent_is_surcharged_only_at_night():
    idx, kwh, day = _pf_month()
    t = load_tariff(on="2018-04-01")
    # PF 0.8 over 23-09 (kvarh = 3/4 kWh)
    night = pd.Series(np.where(day, 0.0, 30.0), index=idx)
    bill = monthly_bill(kwh, tariff=t, contract_kw=500, leading_kvarh=night)
    assert bill.item("pf_leading").amount_won == pytest.approx((95 - 80) * 0.002 * 160 * 8320)
    assert bill.power_factor_pct == {"leading": pytest.approx(80.0)}
    # the same leading kvarh in daytime hours is not measured
    daytime = pd.Series(np.where(day, 30.0, 0.0), index=idx)
    assert not [i for i in monthly_bill(kwh, tariff=t, contract_kw=500, leading_kvarh=daytime).items
                if i.code.startswith("pf_")]


def test_power_factor_after_the_attested_period_is_refused():
    idx = _month("2026-05-01", "2026-06-01")
    kwh = pd.Series(40.0, index=idx)
    t = load_tariff(on="2026-05-04", assume={"fuel_cost_adjustment": 5.0})
    assert monthly_bill(kwh, tariff=t, contract_kw=500).total_won > 0
    with pytest.raises(DataError, match="no power-factor rule .* covers 2026-05-01"):
        monthly_bill(kwh, tariff=t, contract_kw=500, lagging_kvarh=kwh)


# ---------------------------------------------------------------------------------------------------------------
# billing demand


def test_billing_demand_ratchet_across_months():
    """Peaks 500 kW (Jun, not a ratchet month), 300 (Jul), 200 (Aug-Nov): Jul-Nov keep July's 300 kW."""
    idx = _month("2018-06-01", "2018-12-01")
    kwh = pd.Series(50.0, index=idx)
    peak_at = {"2018-06": 125.0, "2018-07": 75.0}
    for month, value in peak_at.items():
        kwh[f"{month}-05 14:00"] = value
    lagging = pd.Series(np.where(idx.month == 9, 2 * kwh, 0.0), index=idx)  # PF 1/sqrt(5) in September only
    result = bills(kwh, tariff=load_tariff(on="2018-06-01"), contract_kw=400, lagging_kvarh=lagging)
    assert [b.month for b in result] == ["2018-06", "2018-07", "2018-08", "2018-09", "2018-10", "2018-11"]
    assert [b.month for b in result if "pf_lagging" in [i.code for i in b.items]] == ["2018-09"]
    assert result[3].power_factor_pct["lagging"] == pytest.approx(100 / 5**0.5)
    assert [b.peak_kw for b in result] == [500, 300, 200, 200, 200, 200]
    assert [b.billing_demand_kw for b in result] == [500, 300, 300, 300, 300, 300]
    assert result[2].item("demand").amount_won == pytest.approx(300 * 8320)
    assert "the peak of 2018-07" in "\n".join(result[3].notes)


def test_prior_peaks_count_only_for_ratchet_months_within_twelve_months():
    idx = _month("2018-06-01", "2018-07-01")
    kwh = pd.Series(25.0, index=idx)  # 100 kW
    t = load_tariff(on="2018-06-01")
    assert monthly_bill(kwh, tariff=t, contract_kw=300, prior_peaks_kw={"2017-12": 600}).billing_demand_kw == 600
    assert monthly_bill(kwh, tariff=t, contract_kw=300, prior_peaks_kw={"2017-07": 700}).billing_demand_kw == 700
    # June and May are not ratchet months; June 2017 is 12 months back, outside the window
    assert monthly_bill(kwh, tariff=t, contract_kw=300,
                        prior_peaks_kw={"2017-05": 900, "2018-05": 900, "2017-06": 900}).billing_demand_kw == 100
    # in July 2018 the window is 2017-08 to 2018-07: July 2017 no longer counts
    july = pd.Series(25.0, index=_month("2018-07-01", "2018-08-01"))
    assert monthly_bill(july, tariff=t, contract_kw=300, prior_peaks_kw={"2017-07": 700}).billing_demand_kw == 100
    # the floor: 30 % of contract power
    floor = monthly_bill(kwh, tariff=t, contract_kw=1000)
    assert floor.billing_demand_kw == 300 and floor.peak_kw == 100
    assert "floor" in "\n".join(floor.notes)


# ---------------------------------------------------------------------------------------------------------------
# a month across a tariff change, partial months


def test_a_month_across_the_2026_reform_is_priced_by_interval():
    idx = _month("2026-04-01", "2026-05-01")
    kwh = pd.Series(_by_clock(idx, 30.0, 60.0, 90.0), index=idx)
    t = load_tariff(on="2026-04-01", assume={"fuel_cost_adjustment": 5.0})
    bill = monthly_bill(kwh, tariff=t, contract_kw=1000)
    codes = [i.code for i in bill.items]
    assert {"energy_light_20241024", "energy_maximum_20241024", "energy_light_20260416",
            "energy_maximum_20260416"} <= set(codes)
    energy = [i for i in bill.items if i.code.startswith("energy_")]
    assert sum(i.quantity for i in energy) == pytest.approx(kwh.sum())
    discounts = [i for i in bill.items if i.code.startswith("discount")]
    assert discounts and all(i.amount_won < 0 for i in discounts)
    # discounts and energy lines together equal kWh x energy_rate summed over the intervals
    expect = float((kwh.to_numpy() * np.concatenate([
        t.energy_rate(idx[idx < "2026-04-16"]), t.at("2026-04-16").energy_rate(idx[idx >= "2026-04-16"])])).sum())
    assert sum(i.amount_won for i in energy + discounts) == pytest.approx(expect)
    notes = "\n".join(bill.notes)
    assert "Assumed fuel-cost-adjustment 5" in notes
    assert "2024-10-24 to 2026-04-15 (Derived), 2026-04-16 onwards (Unconfirmed)" in notes


def test_partial_month_is_billed_and_flagged():
    idx = _month("2018-05-10", "2018-05-20")
    bill = monthly_bill(pd.Series(20.0, index=idx), tariff=load_tariff(on="2018-05-01"), contract_kw=300)
    assert bill.partial and bill.month == "2018-05"
    assert "Partial month: 960 of 2976" in bill.notes[1]
    assert bill.kwh == pytest.approx(960 * 20.0)
    assert bill.total_won > 0


def test_the_light_load_peak_is_flagged():
    idx = _month("2018-05-01", "2018-06-01")
    kwh = pd.Series(20.0, index=idx)
    kwh["2018-05-15 03:00"] = 90.0
    bill = monthly_bill(kwh, tariff=load_tariff(on="2018-05-01"), contract_kw=300)
    assert "fell in light-load hours" in "\n".join(bill.notes)


# ---------------------------------------------------------------------------------------------------------------
# bad input


def _march() -> pd.Series:
    return pd.Series(10.0, index=_month("2018-03-01", "2018-04-01"))


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda s: s.where(s.index != pd.Timestamp("2018-03-05 10:15", tz=SEOUL)), "2018-03-05 10:15:00+09:00 is missing"),
    (lambda s: s.mask(s.index == pd.Timestamp("2018-03-07 00:00", tz=SEOUL), -1.0), "2018-03-07 00:00:00+09:00 is "
                                                                                     "negative"),
    (lambda s: s.mask(s.index == pd.Timestamp("2018-03-07 00:00", tz=SEOUL), np.inf), "is infinite"),
    (lambda s: s.mask(s.index == pd.Timestamp("2018-03-07 00:00", tz=SEOUL), 1e12), "implausibly large"),
    (lambda s: pd.concat([s.iloc[:10], s.iloc[9:]]), "2018-03-01 02:15:00+09:00 twice"),
    (lambda s: pd.concat([s.iloc[10:20], s.iloc[:10]]), "out of order"),
    (lambda s: s.set_axis(s.index + pd.Timedelta(minutes=5)), "not a 15-minute interval start"),
    (lambda s: pd.concat([s, pd.Series(1.0, index=_month("2018-04-01", "2018-04-02"))]), "use bills()"),
    (lambda s: s.iloc[:0], "is empty"),
    (lambda s: s.astype(object).mask(s.index == s.index[3], "ten"), "must hold numbers"),
    (lambda s: s.set_axis(range(len(s))), "indexed by timestamps"),
    (lambda s: s.to_frame(), "must be a pandas Series"),
])
def test_bad_kwh_is_refused_naming_the_time(mutate, message):
    with pytest.raises(DataError, match=None) as err:
        monthly_bill(mutate(_march()), tariff=load_tariff(on="2018-03-01"), contract_kw=500)
    assert message in str(err.value)


def test_bad_arguments_are_refused():
    kwh = _march()
    t = load_tariff(on="2018-03-01")
    with pytest.raises(DataError, match="contract_kw"):
        monthly_bill(kwh, tariff=t, contract_kw=0)
    with pytest.raises(DataError, match="contract_kw"):
        monthly_bill(kwh, tariff=t, contract_kw=float("nan"))
    with pytest.raises(DataError, match="'YYYY-MM'"):
        monthly_bill(kwh, tariff=t, contract_kw=500, prior_peaks_kw={"2017/12": 100})
    with pytest.raises(DataError, match="finite kW"):
        monthly_bill(kwh, tariff=t, contract_kw=500, prior_peaks_kw={"2017-12": -5})
    with pytest.raises(DataError, match="same timestamps as kwh; lagging_kvarh lacks 2018-03-31 23:45"):
        monthly_bill(kwh, tariff=t, contract_kw=500, lagging_kvarh=kwh.iloc[:-1])
    with pytest.raises(DataError, match="leading_kvarh at .* is negative"):
        monthly_bill(kwh, tariff=t, contract_kw=500, leading_kvarh=-kwh)
    with pytest.raises(ConfigError, match="Tariff"):
        monthly_bill(kwh, tariff="kepco-industrial-eul", contract_kw=500)
    # a month the tariff data does not cover
    with pytest.raises(DataError, match="no rate table .* covers 2022-03-01"):
        monthly_bill(pd.Series(1.0, index=_month("2022-03-01", "2022-04-01")), tariff=t, contract_kw=500)


# ---------------------------------------------------------------------------------------------------------------
# the real 2018 steel data


def _read_steel(path: Path) -> pd.DataFrame:
    """Minimal parse: stamps are interval ends in local time, and midnight rows carry 00:00 of the day they close."""
    raw = pd.read_csv(path, encoding="utf-8-sig")
    end = pd.to_datetime(raw["date"], format="%d/%m/%Y %H:%M")
    end = end + pd.to_timedelta(((end.dt.hour == 0) & (end.dt.minute == 0)).astype(int), unit="D")
    start = pd.DatetimeIndex(end - pd.Timedelta(minutes=15)).tz_localize(SEOUL)
    frame = pd.DataFrame({"kwh": raw["Usage_kWh"].to_numpy(),
                          "lagging": raw["Lagging_Current_Reactive.Power_kVarh"].to_numpy(),
                          "leading": raw["Leading_Current_Reactive_Power_kVarh"].to_numpy(),
                          "load_type": raw["Load_Type"].to_numpy()}, index=start)
    return frame.sort_index()


@pytest.mark.data
def test_bills_of_the_real_2018_steel_data():
    """Each month of the DAEWOO Steel file, 고압A 선택II, contract power 700 kW (peak in the file: 613 kW)."""
    if not STEEL.is_file():
        pytest.skip(f"shared data not found at {STEEL} (set BESSEMER_DATA)")
    frame = _read_steel(STEEL)
    tariff = load_tariff(voltage="high_a", option="II", on="2018-01-01")
    result = bills(frame["kwh"], tariff=tariff, contract_kw=700, lagging_kvarh=frame["lagging"],
                   leading_kvarh=frame["leading"])
    months = sorted({f"{t.year}-{t.month:02d}" for t in frame.index})
    assert [b.month for b in result] == months and len(months) >= 9
    peaks = {}
    for bill in result:
        assert isinstance(bill, Bill) and not bill.partial
        part = frame[(frame.index.year == int(bill.month[:4])) & (frame.index.month == int(bill.month[5:]))]
        energy = [i for i in bill.items if i.code.startswith("energy_")]
        # the band lines hold every kWh of the month, and each line is priced at its band's rate
        assert sum(i.quantity for i in energy) == pytest.approx(part["kwh"].sum())
        assert sum(i.amount_won for i in energy) == pytest.approx(
            float((part["kwh"].to_numpy() * tariff.energy_rate(part.index)).sum()))
        assert bill.peak_kw == pytest.approx(part["kwh"].max() * 4)
        # billing demand: this month and the ratchet months before it (Jan and Feb, then Jul, Aug, Sep)
        counted = [peaks[m] for m in peaks if int(m[5:]) in (1, 2, 7, 8, 9, 12)] + [bill.peak_kw, 0.3 * 700]
        assert bill.billing_demand_kw == pytest.approx(max(counted))
        peaks[bill.month] = bill.peak_kw
        assert bill.subtotal_won == pytest.approx(sum(i.amount_won for i in bill.items))
        assert 0 < bill.subtotal_won < bill.total_won <= bill.subtotal_won * (1 + 0.10 + 0.037) + 1
        # plausible: between the cheapest energy rate alone and the dearest one plus the demand charge
        assert 56.1 * bill.kwh < bill.subtotal_won < 196.6 * bill.kwh + bill.billing_demand_kw * 8320 * 1.2
        assert 50 < bill.power_factor_pct["lagging"] <= 100
    # the schedule agrees with the data set's own load-type labels on ordinary weekdays (Secondary, §1.7)
    bands = tariff.band(frame.index)
    labels = frame["load_type"].map({"Light_Load": "light", "Medium_Load": "medium",
                                     "Maximum_Load": "maximum"}).to_numpy()
    weekday = frame.index.day_of_week < 5
    assert (bands[weekday] == labels[weekday]).mean() > 0.95
