/* Quality page: coils ranked by defect risk with their reasons, one coil's details, the defect model's global
   importance, the surface-image verdicts with the held-out confusion matrix, and SPC charts. Loaded with `defer`
   after app.js (which owns the language toggle). Text only: nothing from the API is parsed as markup. */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "quality") return;
  var T = function (k) { return window.I18N.t(k); };
  var Dom = window.BDom;  // shared helpers (dom.js)
  var cell = Dom.cell, clearEl = Dom.clearEl, errText = Dom.errText, finite = Dom.finite, getJSON = Dom.getJSON,
      ko = Dom.ko, locale = Dom.locale, make = Dom.make, num = Dom.num, showError = Dom.showError, text = Dom.text;
  var POLL = parseInt(new URLSearchParams(window.location.search).get("poll") || "60000", 10);
  var TZ = "Asia/Seoul";
  var root = document.getElementById("quality");
  var state = {overview: null, coils: null, importance: null, surfaces: null, spc: null, coil: null, detail: null};
  var timer = null;
  var UNITS = {degC: "°C", "m3/h": "m³/h", count: "", "1": ""};

  function pct(v, d) { return finite(v) ? num(100 * v, d === undefined ? 0 : d) + "%" : "–"; }
  function value(v) {  // a process value with the digits its size needs
    if (!finite(v)) return "–";
    var a = Math.abs(v);
    return num(v, a < 0.1 ? 4 : a < 10 ? 2 : a < 100 ? 1 : 0);
  }
  function unit(u) { return Object.prototype.hasOwnProperty.call(UNITS, u) ? UNITS[u] : (u || ""); }
  function withUnit(v, u) { var s = unit(u); return value(v) + (s ? (s === "%" ? "" : " ") + s : ""); }
  function when(v) {
    if (!v) return "–";
    var d = new Date(v);
    if (isNaN(d.getTime())) return String(v);
    var o = {month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23"};
    try { return d.toLocaleString(locale(), Object.assign(o, {timeZone: TZ})); }
    catch (e) { return d.toLocaleString(locale(), o); }
  }
  function label(o) { return o ? ((ko() && o.label_ko) ? o.label_ko : (o.label_en || o.feature || o.variable || "")) : ""; }
  function name(o) { return o ? ((ko() && o.name_ko) ? o.name_ko : (o.name_en || "")) : ""; }
  function cls(c) {  // a defect or surface class in the page's language; unknown classes shown as they are
    if (c === null || c === undefined) return "–";
    var k = "q_class_" + String(c).replace(/[^A-Za-z0-9]/g, "_").toLowerCase(), t = T(k);
    return t === k ? String(c).replace(/_/g, " ") : t;
  }
  function riskClass(r, threshold) { return r >= threshold ? "bad" : r >= threshold / 2 ? "warn" : "good"; }
  function riskBar(r, threshold) {
    var box = make("div", "hcell"), wrap = make("div", "hbar"), fill = make("div", "fill " + riskClass(r, threshold));
    fill.style.width = (Math.max(0, Math.min(1, r || 0)) * 100).toFixed(0) + "%";
    wrap.appendChild(fill);
    box.appendChild(wrap);
    box.appendChild(make("span", "risk-value", pct(r)));
    return box;
  }
  function chip(r) {  // "finishing temperature 842 °C ↑"
    var li = make("li", "chip " + (r.direction === "raises" ? "raises" : "lowers"),
                  label(r) + " " + withUnit(r.value, r.unit) + " " + (r.direction === "raises" ? "↑" : "↓"));
    li.setAttribute("data-feature", r.feature);
    li.title = (r.direction === "raises" ? T("q_raises") : T("q_lowers")) + " (SHAP " + num(r.contribution, 3) + ")";
    return li;
  }
  function chips(reasons) {
    var ul = make("ul", "chips");
    (reasons || []).forEach(function (r) { ul.appendChild(chip(r)); });
    return ul;
  }

  /* ------------------------------------------------------------------ rendering */
  function renderOverview() {
    var o = state.overview;
    if (!o) return;
    text("q-line", name(o.line));
    text("q-period", num(o.coils.n) + " · " + when(o.coils.start) + " – " + when(o.coils.end));
    text("q-high-risk", num(o.coils.high_risk) + " / " + num(o.coils.n));
    text("q-high-risk-note", T("q_threshold") + " " + pct(o.coils.threshold));
    var dm = o.defect_model || {};
    text("q-accuracy", T("q_accuracy") + " " + pct(dm.held_out_accuracy));
    text("q-accuracy-note", T("q_macro_fscore") + " " + num(dm.macro_f1, 2) + " · " + T("q_majority") + " " +
      pct(dm.majority_accuracy) + " · " + T("q_trained_on") + " " + num(dm.n_train) + " / " + T("q_tested_on") + " " +
      num(dm.n_test));
    var s = o.surface || {};
    text("q-flagged", num(s.flagged) + " " + T("q_for_a_person"));
    text("q-surface-note", num(s.n) + " " + T("q_images") + " · " + T("q_held_out_accuracy") + " " +
      pct(s.held_out_accuracy) + " (" + num(s.n_held_out) + ")");
    var c = o.spc || {};
    text("q-violations", num(c.violations));
    text("q-spc-note", num(c.charts) + " " + T("q_charts"));
    var up = document.getElementById("updated");
    if (up && o.updated) up.textContent = when(o.updated);
  }
  function renderCoils() {
    var C = state.coils, tb = document.querySelector("#risk-table tbody");
    if (!C) return;
    clearEl(tb);
    (C.data || []).forEach(function (r) {
      var tr = make("tr", "coil-row risk-" + riskClass(r.risk, C.threshold) + (r.coil === state.coil ? " selected" : ""));
      tr.setAttribute("data-coil", r.coil);
      tr.tabIndex = 0;
      cell(tr, r.coil, "coil");
      cell(tr, when(r.time), "num");
      cell(tr, riskBar(r.risk, C.threshold), "risk");
      cell(tr, cls(r.predicted) + (r.predicted === "none" ? "" : " (" + pct(r.probability) + ")"), "predicted");
      cell(tr, chips(r.reasons), "reasons");
      var act = cell(tr, r.actual === null || r.actual === undefined ? "–" : cls(r.actual), "actual");
      if (r.actual !== null && r.actual !== undefined) act.classList.add(r.actual === r.predicted ? "hit" : "miss");
      tr.addEventListener("click", function () { select(r.coil); });
      tr.addEventListener("keydown", function (ev) { if (ev.key === "Enter") select(r.coil); });
      tb.appendChild(tr);
    });
  }
  function renderDetail() {
    var D = state.detail, sec = document.getElementById("coil-detail");
    sec.hidden = !D;
    if (!D) return;
    sec.setAttribute("data-coil", D.coil);
    text("detail-coil", D.coil);
    text("detail-summary", when(D.time) + " · " + (D.grade || "") + " · " + T("risk") + " " + pct(D.risk) + " · " +
      T("q_predicted") + ": " + cls(D.predicted) + " · " + T("q_actual") + ": " + cls(D.actual));
    window.BChart.bars(document.getElementById("detail-probs"), {
      items: (D.probabilities || []).map(function (p) {
        return {key: p["class"], label: cls(p["class"]), value: p.probability, dir: p["class"] === "none" ? "base" : "up"};
      }),
      format: function (it) { return pct(it.value, 1); }, cls: "probabilities", label: T("q_probabilities"),
      empty: T("no_data")
    });
    var ul = document.getElementById("detail-reasons");
    clearEl(ul);
    (D.reasons || []).forEach(function (r) { ul.appendChild(chip(r)); });
    var tb = document.querySelector("#detail-signals tbody");
    clearEl(tb);
    (D.signals || []).forEach(function (s) {
      var tr = make("tr");
      tr.setAttribute("data-feature", s.feature);
      cell(tr, label(s));
      cell(tr, withUnit(s.value, s.unit), "num");
      tb.appendChild(tr);
    });
  }
  function renderImportance() {
    var rows = state.importance || [];
    window.BChart.bars(document.getElementById("importance-chart"), {
      items: rows.map(function (r) { return {key: r.feature, label: label(r), value: r.importance, dir: "up"}; }),
      format: function (it) { return num(it.value, 3); }, cls: "importance", label: T("q_importance_title"),
      empty: T("no_data")
    });
  }
  function renderSurfaces() {
    var S = state.surfaces, grid = document.getElementById("image-grid");
    if (!S) return;
    clearEl(grid);
    (S.data || []).forEach(function (im) {
      var fig = make("figure", "surface" + (im.flagged ? " flagged" : ""));
      fig.setAttribute("data-image", im.image);
      fig.setAttribute("data-label", im.label);
      var img = make("img");
      img.src = "/api/quality/surfaces/" + encodeURIComponent(im.image) + ".png";
      img.alt = im.image + ": " + cls(im.label);
      img.width = 120; img.height = 120;
      fig.appendChild(img);
      var cap = make("figcaption");
      cap.appendChild(make("span", "verdict", cls(im.label)));
      cap.appendChild(make("span", "confidence", T("q_confidence") + " " + pct(im.confidence)));
      if (im.flagged) cap.appendChild(make("span", "badge person", T("q_needs_person")));
      if (im.truth !== null && im.truth !== undefined) {
        cap.appendChild(make("span", "truth " + (im.truth === im.label ? "hit" : "miss"), T("q_truth") + ": " + cls(im.truth)));
      }
      fig.appendChild(cap);
      grid.appendChild(fig);
    });
    var cm = S.confusion || {}, classes = cm.classes || [], matrix = cm.matrix || [];
    text("confusion-note", T("q_held_out_accuracy") + " " + pct(cm.accuracy, 1) + " · " + num(cm.n) + " " + T("q_images") +
      " · " + T("q_threshold_person") + " " + pct(S.min_confidence));
    var th = document.querySelector("#confusion-table thead"), tb = document.querySelector("#confusion-table tbody");
    clearEl(th); clearEl(tb);
    var hr = make("tr");
    hr.appendChild(make("th", "", T("q_true_predicted")));
    classes.forEach(function (c) { hr.appendChild(make("th", "num", cls(c))); });
    th.appendChild(hr);
    var vmax = 1;
    matrix.forEach(function (row) { row.forEach(function (v) { vmax = Math.max(vmax, v); }); });
    matrix.forEach(function (row, i) {
      var tr = make("tr");
      tr.setAttribute("data-class", classes[i]);
      tr.appendChild(make("th", "", cls(classes[i])));
      row.forEach(function (v, j) {
        var td = cell(tr, num(v), "num " + (i === j ? "diag" : v > 0 ? "off" : ""));
        td.setAttribute("data-level", String(Math.min(4, Math.ceil(4 * v / vmax))));
      });
      tb.appendChild(tr);
    });
  }
  function renderSpc() {
    var S = state.spc, box = document.getElementById("spc-charts");
    if (!S) return;
    clearEl(box);
    var todo = [];  // lay every chart's box out first, so that each is measured at its final width
    (S.charts || []).forEach(function (ch) {
      var wrap = make("div", "spc-chart");
      wrap.setAttribute("data-variable", ch.variable);
      var u = unit(ch.unit);
      wrap.appendChild(make("h3", "", label(ch) + (u ? " (" + u + ")" : "") + " · " + T("q_kind_" + ch.kind) + " · " +
        T("q_rules_" + ch.rules)));
      var cb = make("div", "chart-box");
      wrap.appendChild(cb);
      var list = make("ul", "violations");
      wrap.appendChild(list);
      box.appendChild(wrap);
      var pts = ch.points || [], titles = {};
      var newest = (ch.violations || []).slice().sort(function (a, b) { return b.index - a.index; });
      newest.forEach(function (v) {
        var d = ko() ? v.description_ko : v.description_en;
        titles[v.index] = (titles[v.index] ? titles[v.index] + "; " : "") + v.rule + ": " + d;
        var li = make("li", "", when(v.time) + " · " + v.rule + " · " + d);
        li.setAttribute("data-rule", v.rule);
        li.setAttribute("data-index", String(v.index));
        list.appendChild(li);
      });
      if (!(ch.violations || []).length) list.appendChild(make("li", "none", T("q_in_control")));
      todo.push([cb, ch, pts, titles]);
    });
    todo.forEach(function (job) {
      var cb = job[0], ch = job[1], pts = job[2], titles = job[3];
      window.BChart.spc(cb, {
        x: pts.map(function (p) { return Date.parse(p.time); }), y: pts.map(function (p) { return p.value; }),
        center: ch.center, lcl: ch.lcl, ucl: ch.ucl, tz: TZ, titles: titles,
        violations: (ch.violations || []).map(function (v) { return v.index; }),
        label: label(ch), limitLabels: [T("q_lcl"), T("q_ucl")], empty: T("no_data")
      });
    });
  }
  function rerender() {
    renderOverview(); renderCoils(); renderDetail(); renderImportance(); renderSurfaces(); renderSpc();
  }

  /* ------------------------------------------------------------------ loading */
  function select(coil) {
    state.coil = coil;
    document.querySelectorAll("#risk-table tr.coil-row").forEach(function (tr) {
      tr.classList.toggle("selected", tr.getAttribute("data-coil") === coil);
    });
    return getJSON("/api/quality/coils/" + encodeURIComponent(coil)).then(function (r) {
      if (r.status !== 200) { showError(errText(r)); return; }
      if (coil !== state.coil) return;
      state.detail = r.body;
      renderDetail();
      showError(null);
    }, function (e) { showError(String(e)); });
  }
  function preparing(on) { Dom.preparing(root, on); }
  function pollProgress() { Dom.pollProgress("quality", load, function (fn, ms) { timer = setTimeout(fn, ms); }, POLL); }
  function load() {
    clearTimeout(timer);
    var waiting = false;
    getJSON("/api/quality/overview").then(function (res) {
      if (res.status === 503) { preparing(true); waiting = true; pollProgress(); return; }
      if (res.status !== 200) { showError(errText(res)); return; }
      preparing(false);
      state.overview = res.body;
      renderOverview();
      var calls = [
        getJSON("/api/quality/coils?limit=50").then(function (r) { if (r.status === 200) { state.coils = r.body; renderCoils(); } return r; }),
        getJSON("/api/quality/importance").then(function (r) {
          if (r.status === 200) { state.importance = r.body.data; renderImportance(); }
          return r;
        }),
        getJSON("/api/quality/surfaces").then(function (r) { if (r.status === 200) { state.surfaces = r.body; renderSurfaces(); } return r; }),
        getJSON("/api/quality/spc").then(function (r) { if (r.status === 200) { state.spc = r.body; renderSpc(); } return r; })
      ];
      return Promise.all(calls).then(function (all) {
        var bad = all.filter(function (r) { return r.status !== 200; });
        showError(bad.length ? errText(bad[0]) : null);
      });
    }).catch(function (e) { showError(String(e)); }).then(function () {
      if (!waiting) timer = setTimeout(load, POLL);
    });
  }

  var previous = window.I18N.onchange;
  window.I18N.onchange = function () { if (previous) previous(); rerender(); };
  var resizeT = null;
  window.addEventListener("resize", function () { clearTimeout(resizeT); resizeT = setTimeout(rerender, 200); });
  load();
})();
