/* Energy page: load with the day-ahead forecast over the tariff bands, the itemised bill, the schedule as a
   Gantt chart with its saving, the carbon ledger and the pathway scenarios. Loaded with `defer` after app.js
   (which owns the language toggle). Times are shown on the site's clock (overview.site.tz). */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "energy") return;
  var T = function (k) { return window.I18N.t(k); };
  var Dom = window.BDom;  // shared helpers (dom.js)
  var cell = Dom.cell, clearEl = Dom.clearEl, errText = Dom.errText, getJSON = Dom.getJSON, ko = Dom.ko,
      locale = Dom.locale, num = Dom.num, showError = Dom.showError, text = Dom.text;
  var POLL = parseInt(new URLSearchParams(window.location.search).get("poll") || "60000", 10);
  var root = document.getElementById("energy");
  var state = {overview: null, load: null, bills: null, bill: null, schedule: null, carbon: null,
               month: null, days: 3, view: "optimised", caseName: null};
  var timer = null;

  function tz() { return (state.overview && state.overview.site && state.overview.site.tz) || undefined; }
  function won(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    return Number(v).toLocaleString(locale(), {style: "currency", currency: "KRW", maximumFractionDigits: 0});
  }
  function pct(v, d) { return (v === null || v === undefined || !isFinite(v)) ? "–" : num(v, d === undefined ? 1 : d) + "%"; }
  function when(v, dateOnly) {
    if (!v) return "–";
    var d = new Date(v);
    if (isNaN(d.getTime())) return String(v);
    var o = {year: "numeric", month: "2-digit", day: "2-digit"};
    if (!dateOnly) { o.hour = "2-digit"; o.minute = "2-digit"; o.hourCycle = "h23"; }
    try { return d.toLocaleString(locale(), Object.assign(o, {timeZone: tz()})); }
    catch (e) { return d.toLocaleString(locale(), o); }
  }
  function label(o) { return o ? ((ko() && o.label_ko) ? o.label_ko : (o.label_en || o.code || "")) : ""; }
  function name(o) { return o ? ((ko() && o.name_ko) ? o.name_ko : (o.name_en || o.asset || "")) : ""; }
  var SCOPE_KEYS = {scope1: "scope_one", scope2: "scope_two", route: "scope_route", memo: "scope_memo"};
  function statusText(s) { var k = "status_" + String(s || "").toLowerCase(); var t = T(k); return t === k ? s : t; }

  /* ------------------------------------------------------------------ rendering */
  function renderOverview() {
    var o = state.overview;
    if (!o) return;
    text("e-site", name(o.site));
    text("e-period", when(o.period.start) + " – " + when(o.period.end));
    var t = o.tariff || {};
    text("e-tariff", label(t));
    var note = T("e_effective") + " " + (t.effective_from || "–") + " · " + statusText(t.status) + " · " +
      T("e_contract") + " " + num(t.contract_kw) + " kW";
    var assumed = Object.keys(t.assumed || {});
    if (assumed.length) {
      note += " · " + T("e_assumed") + ": " + assumed.map(function (k) {
        return T("e_adder_" + k) + " " + num(t.assumed[k], 1) + " " + T("e_won_per_kwh");
      }).join(", ");
    }
    text("e-tariff-note", note);
    text("e-latest", num(o.latest.kw) + " kW");
    text("e-latest-time", num(o.latest.kwh, 1) + " kWh · " + when(o.latest.time));
    var f = o.forecast || {};
    text("e-mae", T("e_mae") + " " + num(f.mae_kwh) + " kWh");
    text("e-coverage", T("e_coverage") + " " + pct(f.coverage === null ? null : 100 * f.coverage, 0) + " (" +
      T("e_nominal") + " " + pct(100 * (f.nominal || 0), 0) + ") · " + num(f.days) + " " + T("e_days"));
    text("e-bill", o.bill ? won(o.bill.total_won) : "–");
    text("e-bill-month", o.bill ? o.bill.month + " · " + num(o.bill.kwh) + " kWh" : T("e_no_full_month"));
    var s = o.schedule || {};
    text("e-saving", won(s.saving_won));
    text("e-saving-pct", pct(s.saving_pct) + " · " + statusText(s.status));
    var c = o.carbon || {};
    text("e-co2", num(c.scope2_t) + " tCO2e");
    var gf = c.grid_factor || {};
    text("e-co2-note", T("e_grid_factor") + " " + num(gf.value, 4) + " " + (gf.unit || "") + " (" +
      (gf.period ? gf.period.join("–") : "?") + ")");
    var up = document.getElementById("updated");
    if (up && o.updated) up.textContent = when(o.updated);
  }
  function renderLoad() {
    var L = state.load, box = document.getElementById("load-chart");
    if (!L) return;
    var rows = L.data || [];
    window.BChart.load(box, {
      x: rows.map(function (r) { return Date.parse(r.time); }), step: 900000,
      bands: rows.map(function (r) { return r.band; }),
      series: [{y: rows.map(function (r) { return r.actual; }), cls: "actual", label: T("e_actual")},
               {y: rows.map(function (r) { return r.forecast; }), cls: "forecast", label: T("e_forecast")}],
      lo: rows.map(function (r) { return r.lower; }), hi: rows.map(function (r) { return r.upper; }),
      tz: tz(), height: 280, label: T("e_load_title"), empty: T("no_data")
    });
  }
  function renderMonths() {
    var sel = document.getElementById("month-select"), bills = state.bills || [];
    var sig = window.I18N.lang + "|" + bills.map(function (b) { return b.month + (b.partial ? "p" : ""); }).join(",");
    if (sel.getAttribute("data-sig") !== sig) {
      sel.setAttribute("data-sig", sig);
      clearEl(sel);
      bills.forEach(function (b) {
        var o = document.createElement("option");
        o.value = b.month;
        o.textContent = b.month + (b.partial ? " (" + T("e_partial") + ")" : "");
        sel.appendChild(o);
      });
    }
    if (state.month) sel.value = state.month;
  }
  function itemRow(tb, it) {
    var tr = document.createElement("tr");
    tr.setAttribute("data-code", it.code);
    cell(tr, label(it));
    cell(tr, num(it.quantity, 1), "num");
    cell(tr, it.unit || "");
    cell(tr, (it.rate === null || it.rate === undefined) ? "" : num(it.rate, 4), "num");
    cell(tr, won(it.amount_won), "num");
    tb.appendChild(tr);
  }
  function renderBill() {
    var b = state.bill, tb = document.querySelector("#bill-table tbody"), tf = document.querySelector("#bill-table tfoot");
    clearEl(tb); clearEl(tf);
    var notes = document.getElementById("bill-notes");
    clearEl(notes);
    document.getElementById("bill-partial").hidden = !(b && b.partial);
    if (!b) return;
    document.getElementById("bill-table").setAttribute("data-month", b.month);
    (b.items || []).forEach(function (it) { itemRow(tb, it); });
    var tax = b.tariff || {};
    [["subtotal", T("e_subtotal"), b.subtotal_won], ["vat", T("e_vat") + (tax.vat_rate ? " (" + pct(100 * tax.vat_rate, 1) + ")" : ""), b.vat_won],
     ["fund", T("e_fund") + (tax.fund_rate ? " (" + pct(100 * tax.fund_rate, 1) + ")" : ""), b.fund_won],
     ["total", T("e_amount_billed"), b.total_won]].forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-code", r[0]);
      tr.className = "sum sum-" + r[0];
      var td = cell(tr, r[1]);
      td.colSpan = 4;
      cell(tr, won(r[2]), "num");
      tf.appendChild(tr);
    });
    var lines = [T("e_peak") + ": " + num(b.peak_kw) + " kW · " + T("e_billing_demand") + ": " + num(b.billing_demand_kw) +
                 " kW · " + T("e_contract") + " " + num(b.contract_kw) + " kW"].concat(b.notes || []);
    (b.sources || []).forEach(function (s) {
      lines.push((s.what || s.item || "") + ": " + (s.source || "") + (s.status ? " (" + statusText(s.status) + ")" : ""));
    });
    lines.forEach(function (n) { var li = document.createElement("li"); li.textContent = n; notes.appendChild(li); });
  }
  function renderSchedule() {
    var S = state.schedule;
    if (!S) return;
    var cur = state.view === "as_is" ? S.as_is : S.optimised;
    text("s-as-is", won(S.as_is.total_cost_won));
    text("s-optimised", won(S.optimised.total_cost_won));
    text("s-saving", won(S.saving_won));
    text("s-saving-pct", pct(S.saving_pct) + " " + T("e_of_total") + " · " + T("e_energy") + " " +
      won(S.energy_saving_won) + " · " + T("e_demand") + " " + won(S.demand_saving_won));
    text("s-status", statusText(S.status));
    text("s-gap", T("e_gap") + " " + pct(100 * (S.mip_gap || 0), 2) + " · " + num(S.solve_s, 1) + " s / " +
      num(S.time_limit_s) + " s");
    document.getElementById("show-optimised").setAttribute("aria-pressed", String(state.view === "optimised"));
    document.getElementById("show-as-is").setAttribute("aria-pressed", String(state.view === "as_is"));
    var slots = S.slots || [];
    var sx = slots.map(function (r) { return Date.parse(r.time); });
    var bands = {x: sx, bands: slots.map(function (r) { return r.band; }), step: 900000};
    var x0 = Date.parse(S.start), x1 = Date.parse(S.end);
    window.BChart.gantt(document.getElementById("gantt-chart"), {
      rows: S.machines || [], x0: x0, x1: x1, bands: bands, tz: tz(), cls: state.view === "as_is" ? "as-is" : "optimised",
      items: (cur.records || []).map(function (r) {
        return {row: r.machine, start: Date.parse(r.start), end: Date.parse(r.end), label: r.job,
                title: r.job + " · " + when(r.start) + "–" + when(r.end) + " · " + num(r.kwh) + " kWh · " + won(r.cost_won)};
      }),
      label: T("e_schedule_title"), empty: T("no_data")
    });
    window.BChart.load(document.getElementById("schedule-load-chart"), {
      x: sx, step: 900000, bands: bands.bands, tz: tz(), height: 220, limit: S.power_limit_kw, limitLabel: T("limit"),
      series: [{y: slots.map(function (r) { return r.as_is_kw; }), cls: "as-is", label: T("e_as_is")},
               {y: slots.map(function (r) { return r.optimised_kw; }), cls: "optimised", label: T("e_optimised")}],
      label: T("e_schedule_load"), empty: T("no_data")
    });
  }
  function renderLedger() {
    var C = state.carbon;
    if (!C) return;
    var tb = document.querySelector("#ledger-table tbody"), notes = document.getElementById("ledger-notes");
    clearEl(tb); clearEl(notes);
    (C.ledger.lines || []).forEach(function (ln) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-scope", ln.scope);
      cell(tr, (ln.kind === "electricity" ? T("e_grid_electricity") : ln.item) + (ln.process ? " · " + ln.process : ""));
      cell(tr, T(SCOPE_KEYS[ln.scope] || ln.scope));
      cell(tr, num(ln.amount) + " " + ln.unit, "num");
      cell(tr, num(ln.factor, 7) + " " + ln.factor_unit, "num");
      cell(tr, num(ln.emissions_t, 1), "num");
      cell(tr, statusText(ln.status));
      cell(tr, (ln.sources || []).join(" ; "), "source");
      tb.appendChild(tr);
    });
    var tot = C.ledger.totals || {};
    var tr = document.createElement("tr");
    tr.className = "sum";
    var td = cell(tr, T("e_total"));
    td.colSpan = 4;
    cell(tr, num(tot.total_t, 1), "num");
    cell(tr, ""); cell(tr, "");
    tb.appendChild(tr);
    var gf = (C.grid_factors || [])[0];
    text("grid-note", gf ? T("e_grid_factor") + " " + num(gf.value, 4) + " " + gf.unit + " (" + (gf.basis_text || gf.id) +
      "; " + statusText(gf.status) + "). " + (gf.applies || "") : "");
    (C.ledger.notes || []).forEach(function (n) { var li = document.createElement("li"); li.textContent = n; notes.appendChild(li); });
  }
  function currentCase() {
    var cases = (state.carbon && state.carbon.cases) || [];
    for (var i = 0; i < cases.length; i++) { if (cases[i].name === state.caseName) return cases[i]; }
    return cases[0] || null;
  }
  function renderScenarios() {
    var C = state.carbon;
    if (!C) return;
    var sel = document.getElementById("case-select"), cases = C.cases || [];
    var sig = cases.map(function (c) { return c.name; }).join(",");
    if (sel.getAttribute("data-sig") !== sig) {
      sel.setAttribute("data-sig", sig);
      clearEl(sel);
      cases.forEach(function (c) {
        var o = document.createElement("option");
        o.value = c.name; o.textContent = c.name;
        sel.appendChild(o);
      });
    }
    var cs = currentCase();
    if (cs) { state.caseName = cs.name; sel.value = cs.name; }
    text("case-description", cs ? cs.description + " (" + cs.year + ")" + ((cs.notes || []).length ? " " + cs.notes.join(" ") : "") : T("no_data"));
    var tb = document.querySelector("#scenario-table tbody");
    clearEl(tb);
    var rows = cs ? cs.scenarios : [];
    rows.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-scenario", r.scenario);
      tr.className = r.scenario === "baseline" ? "baseline" : (r.delta_t < 0 ? "better" : "worse");
      var nm = document.createElement("span");
      nm.textContent = r.scenario === "baseline" ? T("e_baseline") : r.scenario;
      if (r.description && r.scenario !== "baseline") nm.title = r.description;
      cell(tr, nm);
      cell(tr, num(r.total_t), "num");
      cell(tr, num(r.delta_t), "num delta");
      cell(tr, pct(r.delta_pct), "num");
      cell(tr, (r.cost_delta_won === null || r.cost_delta_won === undefined) ? "–" : won(r.cost_delta_won), "num");
      tb.appendChild(tr);
    });
    window.BChart.bars(document.getElementById("scenario-chart"), {
      items: rows.map(function (r) {
        return {key: r.scenario, label: r.scenario === "baseline" ? T("e_baseline") : r.scenario, value: r.total_t,
                dir: r.scenario === "baseline" ? "base" : (r.delta_t < 0 ? "down" : "up"), pct: r.delta_pct};
      }),
      format: function (it) {
        return num(it.value) + " t" + (it.dir === "base" ? "" : " (" + (it.pct > 0 ? "+" : "") + pct(it.pct) + ")");
      },
      cls: "scenarios", label: T("e_scenarios_title"), empty: T("no_data")
    });
    var pl = document.getElementById("price-list");
    clearEl(pl);
    (C.prices || []).forEach(function (p) {
      var li = document.createElement("li");
      li.setAttribute("data-assumption", String(!!p.assumption));
      li.textContent = p.key + ": " + num(p.value) + " " + p.unit + (p.assumption ? " — " + T("e_assumption") : "") +
        (p.note ? " (" + p.note + ")" : "");
      pl.appendChild(li);
    });
  }
  function rerender() {
    renderOverview(); renderLoad(); renderMonths(); renderBill(); renderSchedule(); renderLedger(); renderScenarios();
  }

  /* ------------------------------------------------------------------ loading */
  function preparing(on) { Dom.preparing(root, on); }
  function pollProgress() { Dom.pollProgress("energy", load, function (fn, ms) { timer = setTimeout(fn, ms); }, POLL); }
  function loadBill() {
    if (!state.month) { state.bill = null; renderBill(); return Promise.resolve({status: 200}); }
    var month = state.month;
    return getJSON("/api/energy/bills/" + encodeURIComponent(month)).then(function (r) {
      if (r.status === 200 && month === state.month) { state.bill = r.body; renderBill(); }
      return r;
    });
  }
  function loadLoad() {
    return getJSON("/api/energy/load?days=" + state.days).then(function (r) {
      if (r.status === 200) { state.load = r.body; renderLoad(); }
      return r;
    });
  }
  function load() {
    clearTimeout(timer);
    var waiting = false;
    getJSON("/api/energy/overview").then(function (res) {
      if (res.status === 503) { preparing(true); waiting = true; pollProgress(); return; }
      if (res.status !== 200) { showError(errText(res)); return; }
      preparing(false);
      state.overview = res.body;
      renderOverview();
      var calls = [
        loadLoad(),
        getJSON("/api/energy/bills").then(function (r) {
          if (r.status !== 200) return r;
          state.bills = r.body.data;
          var months = state.bills.map(function (b) { return b.month; });
          if (!state.month || months.indexOf(state.month) < 0) {
            var full = state.bills.filter(function (b) { return !b.partial; });
            state.month = (state.overview.bill && state.overview.bill.month) ||
              (full.length ? full[full.length - 1].month : (months.length ? months[months.length - 1] : null));
          }
          renderMonths();
          return loadBill();
        }),
        getJSON("/api/energy/schedule").then(function (r) { if (r.status === 200) { state.schedule = r.body; renderSchedule(); } return r; }),
        getJSON("/api/energy/carbon").then(function (r) {
          if (r.status === 200) { state.carbon = r.body; renderLedger(); renderScenarios(); }
          return r;
        })
      ];
      return Promise.all(calls).then(function (all) {
        var bad = all.filter(function (r) { return r.status !== 200; });
        showError(bad.length ? errText(bad[0]) : null);
      });
    }).catch(function (e) { showError(String(e)); }).then(function () {
      if (!waiting) timer = setTimeout(load, POLL);
    });
  }

  document.getElementById("month-select").addEventListener("change", function (ev) {
    state.month = ev.target.value;
    loadBill().then(function (r) { showError(r.status === 200 ? null : errText(r)); },
                    function (e) { showError(String(e)); });
  });
  document.getElementById("days-select").addEventListener("change", function (ev) {
    state.days = parseInt(ev.target.value, 10) || 3;
    loadLoad().then(function (r) { showError(r.status === 200 ? null : errText(r)); },
                    function (e) { showError(String(e)); });
  });
  document.getElementById("case-select").addEventListener("change", function (ev) {
    state.caseName = ev.target.value;
    renderScenarios();
  });
  document.getElementById("show-optimised").addEventListener("click", function () { state.view = "optimised"; renderSchedule(); });
  document.getElementById("show-as-is").addEventListener("click", function () { state.view = "as_is"; renderSchedule(); });

  var previous = window.I18N.onchange;
  window.I18N.onchange = function () { if (previous) previous(); rerender(); };
  var resizeT = null;
  window.addEventListener("resize", function () { clearTimeout(resizeT); resizeT = setTimeout(rerender, 200); });
  load();
})();
