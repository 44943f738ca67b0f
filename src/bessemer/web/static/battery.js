/* Battery page: the fleet of cells with their state of health (and interval), grade and cycles left; one cell's SOH
   trajectory with the interval band and the 80 % / 70 % lines, the grade's reasons, the expected recovered materials
   against the EU targets and the passport download. Loaded with `defer` after app.js (which owns the language
   toggle). Text only: nothing from the API is parsed as markup. */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "battery") return;
  var T = function (k) { return window.I18N.t(k); };
  var Dom = window.BDom;  // shared helpers (dom.js)
  var cell = Dom.cell, clearEl = Dom.clearEl, errText = Dom.errText, finite = Dom.finite, getJSON = Dom.getJSON,
      ko = Dom.ko, locale = Dom.locale, make = Dom.make, num = Dom.num, showError = Dom.showError, text = Dom.text;
  var POLL = parseInt(new URLSearchParams(window.location.search).get("poll") || "60000", 10);
  var root = document.getElementById("battery");
  var state = {cells: null, cell: null, detail: null};
  var timer = null;
  var GRADE_CLASS = {reuse: "state-normal", repurpose: "state-sensor_fault", recycle: "state-alarm"};

  function pct(v, d) { return finite(v) ? num(v, d === undefined ? 1 : d) + "%" : "–"; }
  function gradeName(g) { return g ? T("b_grade_" + g) : T("b_not_assessed"); }
  function badge(g) {
    var b = make("span", "badge grade grade-" + g + " " + (GRADE_CLASS[g] || ""), gradeName(g));
    b.setAttribute("data-grade", g);
    return b;
  }
  function sohBar(r) {  /* the bar shows the interval's lower end: the value the grade reads */
    var box = make("div", "hcell"), wrap = make("div", "hbar");
    var lo = finite(r.soh_lower_pct) ? r.soh_lower_pct : 0;
    var fill = make("div", "fill " + (lo >= 80 ? "good" : lo >= 60 ? "warn" : "bad"));
    fill.style.width = Math.max(0, Math.min(100, lo)).toFixed(0) + "%";
    wrap.appendChild(fill);
    box.appendChild(wrap);
    var v = make("span", "soh-value", pct(r.soh_pct) + " (" + num(r.soh_lower_pct, 1) + "–" +
      num(r.soh_upper_pct, 1) + ")");
    v.style.whiteSpace = "nowrap";
    box.appendChild(v);
    return box;
  }
  function cycles(c) {  /* remaining cycles with the interval, or what the status says */
    if (!c) return "–";
    if (c.status === "reached") return T("b_reached");
    if (c.status === "not_reached") return T("b_not_reached");
    return num(c.remaining) + " (" + num(c.remaining_lower) + "–" + num(c.remaining_upper) + ")";
  }
  function passportText(status, n) {
    return status === "complete" ? T("b_passport_complete") : T("b_passport_draft") + " · " + num(n) + " " +
      T("b_missing_short");
  }

  /* ------------------------------------------------------------------ the SOH chart */
  var NS = "http://www.w3.org/2000/svg";
  function svgEl(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function ticks(lo, hi, n) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
    return out;
  }
  /* opts: {x: [discharge], est, lo, hi, measured: [% or null], lines: [{pct, label, cycle, lower, upper}], label,
            empty, height}. The same look as BChart.line (classes grid, axis, band, line, limit, limit-label). */
  function sohChart(box, opts) {
    var W = Math.max(box.clientWidth || 600, 320), H = opts.height || 280;
    var m = {l: 52, r: 78, t: 12, b: 30};
    clearEl(box);
    var x = opts.x || [], n = x.length, lines = opts.lines || [];
    var nMeasured = (opts.measured || []).filter(finite).length;
    var svg = svgEl("svg", {"class": "chart soh", width: W, height: H, viewBox: "0 0 " + W + " " + H, role: "img",
                            "data-points": String(n), "data-measured": String(nMeasured),
                            "data-lines": String(lines.length)}, box);
    if (opts.label) svgEl("title", {}, svg).textContent = opts.label;
    if (!n) {
      svgEl("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var ys = [];
    [opts.est, opts.lo, opts.hi, opts.measured].forEach(function (a) {
      (a || []).forEach(function (v) { if (finite(v)) ys.push(Number(v)); });
    });
    lines.forEach(function (l) { ys.push(l.pct); });
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys), pad = (y1 - y0) * 0.06 || 1;
    y0 -= pad; y1 += pad;
    var x0 = 0, x1 = Math.max.apply(null, x);
    lines.forEach(function (l) {  /* room for the forecast crossings, but never more than three times the history */
      [l.cycle, l.upper].forEach(function (v) { if (finite(v)) x1 = Math.max(x1, Math.min(v, 3 * Math.max.apply(null, x))); });
    });
    if (x1 <= x0) x1 = x0 + 1;
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    var sy = function (v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); };
    var g = svgEl("g", {"class": "axes"}, svg);
    ticks(y0, y1, 5).forEach(function (v) {
      svgEl("line", {x1: m.l, x2: W - m.r, y1: sy(v).toFixed(1), y2: sy(v).toFixed(1), "class": "grid"}, g);
      svgEl("text", {x: m.l - 6, y: (sy(v) + 4).toFixed(1), "text-anchor": "end"}, g).textContent = num(v) + "%";
    });
    ticks(x0, x1, 6).forEach(function (v) {
      svgEl("text", {x: sx(v).toFixed(1), y: H - 10, "text-anchor": "middle"}, g).textContent = num(v);
    });
    svgEl("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    svgEl("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    var top = [], bottom = [];
    for (var i = 0; i < n; i++) {
      if (!finite(opts.lo[i]) || !finite(opts.hi[i])) continue;
      top.push(sx(x[i]).toFixed(1) + "," + sy(opts.hi[i]).toFixed(1));
      bottom.unshift(sx(x[i]).toFixed(1) + "," + sy(opts.lo[i]).toFixed(1));
    }
    if (top.length) svgEl("path", {d: "M" + top.concat(bottom).join("L") + "Z", "class": "band",
                                   "data-points": String(top.length)}, svg);
    lines.forEach(function (l) {
      var ly = sy(l.pct).toFixed(1);
      var grp = svgEl("g", {"class": "threshold", "data-pct": String(l.pct)}, svg);
      svgEl("line", {x1: m.l, x2: W - m.r, y1: ly, y2: ly, "class": "limit"}, grp);
      var beyond = finite(l.cycle) && l.cycle > x1;  /* a crossing past the axis: its discharge number at the edge */
      svgEl("text", {x: W - m.r + 4, y: (Number(ly) + 4).toFixed(1), "class": "limit-label"}, grp).textContent =
        l.label + (beyond ? " → " + num(l.cycle) : "");
      if (finite(l.lower) && finite(l.upper) && l.upper > l.lower) {
        var a = sx(Math.max(x0, l.lower)), b = sx(Math.min(x1, l.upper));
        svgEl("rect", {x: a.toFixed(1), y: (Number(ly) - 3).toFixed(1), width: Math.max(1, b - a).toFixed(1), height: 6,
                       "class": "eol", fill: "#c8372d", "fill-opacity": "0.25"}, grp);
      }
      if (finite(l.cycle) && l.cycle <= x1) {
        var dot = svgEl("circle", {cx: sx(l.cycle).toFixed(1), cy: ly, r: 4, "class": "eol-point", fill: "#c8372d",
                                   stroke: "#fff", "stroke-width": 1}, grp);
        if (l.title) svgEl("title", {}, dot).textContent = l.title;
      }
    });
    var d = [], pen = "M";
    for (var j = 0; j < n; j++) {
      if (!finite(opts.est[j])) { pen = "M"; continue; }
      d.push(pen + sx(x[j]).toFixed(1) + "," + sy(opts.est[j]).toFixed(1)); pen = "L";
    }
    svgEl("path", {d: d.join(""), "class": "line estimate"}, svg);
    var dots = svgEl("g", {"class": "measured"}, svg);
    (opts.measured || []).forEach(function (v, k) {
      if (!finite(v)) return;
      svgEl("circle", {cx: sx(x[k]).toFixed(1), cy: sy(v).toFixed(1), r: 1.6, fill: "#1d2330", "fill-opacity": "0.55",
                       "class": "measured-point"}, dots);
    });
    return svg;
  }

  /* ------------------------------------------------------------------ rendering */
  function renderSummary() {
    var C = state.cells;
    if (!C) return;
    text("b-assessed", C.assessed_on || "–");
    text("b-rated", num(C.rated_ah, 2) + " Ah");
    text("b-count", num(C.count));
    var g = C.grades || {};
    text("b-grades", ["reuse", "repurpose", "recycle"].map(function (k) { return gradeName(k) + " " + num(g[k] || 0); })
      .join(" · "));
    var s = C.soh_model || {};
    text("b-rmse", finite(s.rmse_pct) ? T("b_rmse") + " " + num(s.rmse_pct, 2) + " " + T("b_pp") : "–");
    text("b-rmse-note", T("b_mae") + " " + num(s.mae_pct, 2) + " " + T("b_pp") + " · " + T("b_coverage") + " " +
      (finite(s.coverage) ? num(100 * s.coverage, 1) + "%" : "–") + " · " + num(s.n_checked) + " " + T("b_discharges_checked") +
      " · " + T("b_trained_on") + " " + num((s.train_cells || []).length) + " " + T("b_cells_unit"));
    var complete = (C.data || []).filter(function (r) { return r.passport_status === "complete"; }).length;
    text("b-passports", num(complete) + " / " + num(C.count) + " " + T("b_complete_short"));
    text("b-passports-note", T("b_passports_hint"));
    var up = document.getElementById("updated");
    if (up && C.assessed_on) up.textContent = C.assessed_on;
  }
  function renderCells() {
    var C = state.cells, tb = document.querySelector("#cell-table tbody");
    if (!C) return;
    clearEl(tb);
    (C.data || []).forEach(function (r) {
      var tr = make("tr", "cell-row grade-" + r.grade + (r.cell === state.cell ? " selected" : ""));
      tr.setAttribute("data-cell", r.cell);
      tr.tabIndex = 0;
      cell(tr, r.cell, "cell").style.whiteSpace = "nowrap";
      cell(tr, r.chemistry || "–");
      cell(tr, num(r.discharges), "num");
      cell(tr, sohBar(r), "soh");
      cell(tr, badge(r.grade), "grade").style.whiteSpace = "nowrap";
      cell(tr, cycles(r.cycles_to_80), "num to80");
      cell(tr, cycles(r.cycles_to_70), "num to70");
      cell(tr, passportText(r.passport_status, r.n_missing), "passport " + r.passport_status);
      tr.addEventListener("click", function () { select(r.cell); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select(r.cell); });
      tb.appendChild(tr);
    });
  }
  function eolLine(pctv, c) {
    if (!c) return "";
    var head = num(pctv) + "%: ";
    if (c.status === "reached") return head + T("b_reached_at") + " " + num(c.cycle);
    if (c.status === "not_reached") return head + T("b_not_reached");
    return head + T("b_crossing_at") + " " + num(c.cycle) + " (" + num(c.cycle_lower) + "–" + num(c.cycle_upper) + ") · " +
      num(c.remaining) + " " + T("b_cycles_left") + " (" + num(c.remaining_lower) + "–" + num(c.remaining_upper) + ")";
  }
  function renderChart() {
    var D = state.detail;
    if (!D) return;
    var rated = D.rated_ah, tr = D.trajectory || [];
    var p = function (v) { return finite(v) ? 100 * v / rated : null; };
    var lines = [[80, D.cycles_to_80], [70, D.cycles_to_70]].map(function (q) {
      var c = q[1] || {}, fc = c.status === "forecast";
      return {pct: q[0], label: q[0] + "%", cycle: c.status === "not_reached" ? null : c.cycle,
              lower: fc ? c.cycle_lower : null, upper: fc ? c.cycle_upper : null, title: eolLine(q[0], c)};
    });
    sohChart(document.getElementById("soh-chart"), {
      x: tr.map(function (r) { return r.discharge; }), est: tr.map(function (r) { return p(r.estimate_ah); }),
      lo: tr.map(function (r) { return p(r.lower_ah); }), hi: tr.map(function (r) { return p(r.upper_ah); }),
      measured: tr.map(function (r) { return p(r.measured_ah); }), lines: lines, label: T("b_trajectory"),
      empty: T("no_data")
    });
  }
  function targetCell(tr, targets, year) {
    var t = (targets || []).filter(function (x) { return String(x.applies_from).slice(0, 4) === year; })[0];
    var td = cell(tr, t ? num(t.percent) + "% " + (t.meets === true ? "✓" : t.meets === false ? "✗" : "") : "–",
                  "num target-" + year);
    if (t) { td.title = t.source; td.classList.add(t.meets === true ? "meets" : t.meets === false ? "misses" : "unknown"); }
    return td;
  }
  function renderDetail() {
    var D = state.detail, sec = document.getElementById("cell-detail");
    sec.hidden = !D;
    if (!D) return;
    sec.setAttribute("data-cell", D.cell);
    text("detail-cell", D.cell);
    var gb = document.getElementById("detail-grade");
    clearEl(gb);
    gb.appendChild(badge(D.grade));
    text("detail-summary", (D.chemistry || "") + " · " + num(D.discharges) + " " + T("b_discharges_unit") + " · SOH " +
      pct(D.soh_pct) + " (" + num(D.soh_lower_pct, 1) + "–" + num(D.soh_upper_pct, 1) + ") · " + T("b_measured") + " " +
      pct(D.measured_soh_pct) + " · " + T("b_resistance") + " " + (finite(D.resistance_growth_pct) ?
      (D.resistance_growth_pct >= 0 ? "+" : "") + num(D.resistance_growth_pct, 1) + "%" : "–"));
    renderChart();
    var eol = document.getElementById("eol-list");
    clearEl(eol);
    [[80, D.cycles_to_80], [70, D.cycles_to_70]].forEach(function (q) {
      var li = make("li", "eol-" + q[0], eolLine(q[0], q[1]));
      li.setAttribute("data-status", (q[1] || {}).status || "");
      eol.appendChild(li);
    });
    text("grade-note", ko() ? D.note_ko : D.note_en);
    var tb = document.querySelector("#grade-reasons tbody");
    clearEl(tb);
    (D.reasons || []).forEach(function (r) {
      var tr = make("tr", r.decisive ? "decisive" : "");
      tr.setAttribute("data-code", r.code);
      var msg = ko() ? r.message_ko : r.message_en;
      cell(tr, r.decisive ? make("strong", "", msg) : msg);
      cell(tr, r.allows ? gradeName(r.allows) : T("b_not_assessed"), "allows");
      tb.appendChild(tr);
    });
    var R = D.recovery, rb = document.querySelector("#recovery-table tbody");
    clearEl(rb);
    if (!R) {
      text("recovery-note", T("b_no_recovery"));
    } else {
      var comp = R.composition || {}, re = R.recycling_efficiency || {};
      var reT = (re.targets || []).map(function (t) {
        return String(t.applies_from).slice(0, 4) + " " + num(t.percent) + "% " + (t.meets ? "✓" : "✗");
      }).join(", ");
      text("recovery-note", T("b_route") + ": " + R.route.name + " (" + T("b_status_" + R.route.status) + ") · " +
        T("b_composition") + ": " + (comp.chemistry || "") + ", " + T("b_basis_" + comp.basis) + " · " +
        T("b_mass") + " " + num(1000 * R.battery_mass_kg, 1) + " g · " + T("b_recycling_efficiency") + " " +
        pct(re.route_pct, 0) + (reT ? " (" + reT + ")" : ""));
      (R.elements || []).forEach(function (e) {
        var tr = make("tr");
        tr.setAttribute("data-element", e.element);
        cell(tr, e.element + " · " + T("b_el_" + e.element));
        cell(tr, num(1000 * e.mass_in_kg, 2) + " g", "num");
        cell(tr, finite(e.recovered_kg) ? num(1000 * e.recovered_kg, 2) + " g" : "–", "num recovered");
        cell(tr, pct(e.efficiency_pct, 0), "num");
        targetCell(tr, e.targets, "2027");
        targetCell(tr, e.targets, "2031");
        rb.appendChild(tr);
      });
    }
    var a = document.getElementById("passport-link");
    a.href = "/api/battery/cells/" + encodeURIComponent(D.cell) + "/passport";
    a.setAttribute("download", D.cell + "-passport.json");
    var missing = D.missing || [];
    text("passport-status", passportText(D.passport_status, missing.length));
    document.getElementById("passport-status").className = "passport-" + D.passport_status;
    var note = document.getElementById("passport-missing-note");
    note.hidden = !missing.length;
    note.textContent = missing.length ? T("b_missing_hint") : "";
    var ul = document.getElementById("passport-missing");
    clearEl(ul);
    missing.forEach(function (m) { var li = make("li", "", m); li.setAttribute("data-path", m); ul.appendChild(li); });
  }
  function rerender() { renderSummary(); renderCells(); renderDetail(); }

  /* ------------------------------------------------------------------ loading */
  function select(id) {
    state.cell = id;
    document.querySelectorAll("#cell-table tr.cell-row").forEach(function (tr) {
      tr.classList.toggle("selected", tr.getAttribute("data-cell") === id);
    });
    return getJSON("/api/battery/cells/" + encodeURIComponent(id)).then(function (r) {
      if (r.status !== 200) { showError(errText(r)); return; }
      if (id !== state.cell) return;
      state.detail = r.body;
      renderDetail();
      showError(null);
    }, function (e) { showError(String(e)); });
  }
  function preparing(on) { Dom.preparing(root, on); }
  function pollProgress() { Dom.pollProgress("battery", load, function (fn, ms) { timer = setTimeout(fn, ms); }, POLL); }
  function load() {
    clearTimeout(timer);
    var waiting = false;
    getJSON("/api/battery/cells").then(function (res) {
      if (res.status === 503) { preparing(true); waiting = true; pollProgress(); return; }
      if (res.status !== 200) { showError(errText(res)); return; }
      preparing(false);
      showError(null);
      state.cells = res.body;
      renderSummary();
      renderCells();
      var ids = (state.cells.data || []).map(function (r) { return r.cell; });
      var want = state.cell && ids.indexOf(state.cell) >= 0 ? state.cell : ids[0];
      if (want) return select(want);
    }).catch(function (e) { showError(String(e)); }).then(function () {
      if (!waiting) timer = setTimeout(load, POLL);
    });
  }

  var previous = window.I18N.onchange;
  window.I18N.onchange = function () { if (previous) previous(); rerender(); };
  var resizeT = null;
  window.addEventListener("resize", function () { clearTimeout(resizeT); resizeT = setTimeout(renderChart, 200); });
  load();
})();
