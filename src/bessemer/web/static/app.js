/* Dashboard pages: fill the HTML shells from the JSON API and poll for live updates. */
(function () {
  "use strict";
  var T = function (k) { return window.I18N.t(k); };
  var body = document.body;
  var page = body.getAttribute("data-page");
  var POLL = parseInt(new URLSearchParams(window.location.search).get("poll") || "5000", 10);
  var lastFleet = null, lastPlan = null, lastAsset = null, lastRul = null, lastHealth = null, lastTrends = {}, lastQuality = {};
  var timer = null;

  function locale() { return window.I18N.lang === "ko" ? "ko-KR" : "en-US"; }
  function num(v, d) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    return Number(v).toLocaleString(locale(), {maximumFractionDigits: d === undefined ? 0 : d});
  }
  function money(v) {
    if (v === null || v === undefined) return "–";
    return Number(v).toLocaleString(locale(), {style: "currency", currency: "KRW", maximumFractionDigits: 0});
  }
  function when(v) {
    if (v === null || v === undefined) return "–";
    if (typeof v === "number") return num(v) + " " + T("unit_cycle");
    var d = new Date(v);
    if (isNaN(d.getTime())) return String(v);
    return d.toLocaleString(locale(), {year: "numeric", month: "2-digit", day: "2-digit",
                                       hour: "2-digit", minute: "2-digit"});
  }
  function unitLabel(u) { return u === "cycle" ? T("unit_cycle") : T("unit_h"); }
  function cell(tr, text, cls) {
    var td = document.createElement("td");
    if (cls) td.className = cls;
    if (text instanceof Node) td.appendChild(text); else td.textContent = text;
    tr.appendChild(td);
    return td;
  }
  function showError(msg) {
    var e = document.getElementById("error");
    if (!e) return;
    e.hidden = !msg;
    e.textContent = msg ? T("load_error") + ": " + msg : "";
  }
  var getJSON = window.BDom.getJSON;  /* sends the API token when this tab has one (dom.js) */
  function setUpdated(v) { var u = document.getElementById("updated"); if (u && v) u.textContent = when(v); }
  function displayName(row) { return (window.I18N.lang === "ko" && row.name_ko) ? row.name_ko : row.name; }

  function healthBar(h) {
    var wrap = document.createElement("div");
    wrap.className = "hbar";
    var fill = document.createElement("div");
    var f = Math.max(0, Math.min(1, h === null ? 0 : h));
    fill.className = "fill " + (f < 0.3 ? "bad" : f < 0.6 ? "warn" : "good");
    fill.style.width = (f * 100).toFixed(0) + "%";
    wrap.appendChild(fill);
    var label = document.createElement("span");
    label.textContent = num(f * 100) + "%";
    var box = document.createElement("div");
    box.className = "hcell";
    box.appendChild(wrap); box.appendChild(label);
    return box;
  }
  function rulText(r, unit) {
    return num(r.rul) + " " + unitLabel(unit) + " (" + num(r.rul_lower) + "–" + num(r.rul_upper) + ")";
  }

  /* ---------------------------------------------------------------- fleet */
  function renderFleet() {
    if (!lastFleet) return;
    var tb = document.querySelector("#fleet-table tbody");
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    lastFleet.data.forEach(function (r) {
      var tr = document.createElement("tr");
      tr.className = "risk-" + (r.risk >= 0.5 ? "high" : r.risk >= 0.2 ? "mid" : "low");
      tr.setAttribute("data-asset", r.asset);
      cell(tr, String(r.rank), "num");
      var a = document.createElement("a");
      a.href = "/assets/" + encodeURIComponent(r.asset);
      a.textContent = r.asset;
      a.className = "asset-link";
      cell(tr, a);
      cell(tr, displayName(r) || "");
      cell(tr, r.kind || "");
      cell(tr, rulText(r, lastFleet.time_unit), "num");
      cell(tr, healthBar(r.health));
      cell(tr, num(r.risk * 100, 1) + "%", "num risk");
      tb.appendChild(tr);
    });
    document.getElementById("fleet-empty").hidden = lastFleet.data.length > 0;
    setUpdated(lastFleet.updated);
  }
  function renderPlan() {
    if (!lastPlan) return;
    var tb = document.querySelector("#plan-table tbody");
    while (tb.firstChild) tb.removeChild(tb.firstChild);
    lastPlan.actions.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.className = "act-" + String(a.action).replace(/\s+/g, "-");
      cell(tr, a.asset);
      cell(tr, T(a.action), "action");
      cell(tr, when(a.due));
      cell(tr, money(a.expected_cost_now), "num");
      cell(tr, money(a.expected_cost_wait), "num");
      cell(tr, money(a.saving), "num");
      cell(tr, a.reason || "");
      tb.appendChild(tr);
    });
    document.getElementById("plan-summary").textContent =
      T("total_cost") + ": " + money(lastPlan.total_expected_cost) + " · " + T("horizon") + ": " +
      num(lastPlan.horizon) + " " + unitLabel(lastPlan.time_unit);
  }
  function preparing(on) {
    document.getElementById("preparing").hidden = !on;
    document.getElementById("fleet").hidden = on;
    document.getElementById("plan").hidden = on;
  }
  function pollProgress() {
    getJSON("/api/progress").then(function (res) {
      var p = res.body || {};
      document.getElementById("progress-stage").textContent = p.stage || "";
      document.getElementById("progress-pct").textContent = num((p.fraction || 0) * 100) + "%";
      document.getElementById("progress-bar").style.width = ((p.fraction || 0) * 100).toFixed(0) + "%";
      if (p.ready) { loadFleet(); } else { timer = setTimeout(pollProgress, Math.min(POLL, 1500)); }
    }, function () { timer = setTimeout(pollProgress, 2000); });
  }
  function loadFleet() {
    clearTimeout(timer);
    getJSON("/api/maintenance/fleet").then(function (res) {
      if (res.status === 503) { preparing(true); pollProgress(); return; }
      if (res.status !== 200) { showError((res.body.error || {}).message || res.status); }
      else {
        preparing(false); showError(null);
        lastFleet = res.body; renderFleet();
        return getJSON("/api/maintenance/plan").then(function (pr) {
          if (pr.status === 200) { lastPlan = pr.body; renderPlan(); }
        });
      }
    }).catch(function (e) { showError(String(e)); }).then(function () {
      if (document.getElementById("preparing").hidden) timer = setTimeout(loadFleet, POLL);
    });
  }

  /* ---------------------------------------------------------------- asset */
  var assetId = body.getAttribute("data-asset");
  var windowSel = document.getElementById("window");
  function fillWindow(kind) {
    if (!windowSel || windowSel.options.length) return;
    var opts = kind === "cycle" ? [50, 200, 0] : [24, 168, 0];
    opts.forEach(function (v, i) {
      var o = document.createElement("option");
      o.value = String(v);
      o.setAttribute("data-n", String(v));
      if (i === 1) o.selected = true;
      windowSel.appendChild(o);
    });
    labelWindow(kind);
    windowSel.addEventListener("change", function () { loadTrends(); });
  }
  function labelWindow(kind) {
    if (!windowSel) return;
    for (var i = 0; i < windowSel.options.length; i++) {
      var n = parseInt(windowSel.options[i].value, 10);
      windowSel.options[i].textContent = n ? num(n) + " " + (kind === "cycle" ? T("unit_cycle") : T("unit_h")) : T("all");
    }
  }
  function renderAsset() {
    if (!lastAsset) return;
    var a = lastAsset;
    document.getElementById("asset-title").textContent =
      a.id + " · " + ((window.I18N.lang === "ko" && a.name_ko) ? a.name_ko : a.name);
    document.getElementById("asset-path").textContent = a.path.join(" › ");
    labelWindow(a.time_kind);
  }
  function renderHealth() {
    var h = lastHealth;
    if (!h) return;
    document.getElementById("s-rul").textContent = rulText(h, h.time_unit);
    document.getElementById("s-health").textContent = num(h.health * 100) + "%";
    document.getElementById("s-risk").textContent = num(h.risk * 100, 1) + "%";
    document.getElementById("s-rank").textContent = String(h.rank);
    setUpdated(h.updated);
  }
  function xs(rows) {
    return rows.map(function (r) { return typeof r.time === "number" ? r.time : Date.parse(r.time); });
  }
  function renderRul() {
    var box = document.getElementById("rul-chart");
    var note = document.getElementById("rul-note");
    if (!lastRul) return;
    if (lastRul.status !== 200) {
      window.BChart.line(box, {x: [], y: [], empty: T("no_prediction"), cls: "rul"});
      note.hidden = false;
      note.textContent = lastRul.status === 503 ? T("preparing") : T("no_prediction");
      return;
    }
    note.hidden = true;
    var rows = lastRul.body.data;
    var xTime = rows.length && typeof rows[0].time !== "number";
    window.BChart.line(box, {
      x: xs(rows), y: rows.map(function (r) { return r.rul; }),
      lo: rows.map(function (r) { return r.rul_lower; }), hi: rows.map(function (r) { return r.rul_upper; }),
      xTime: xTime, cls: "rul", zero: true, height: 260, empty: T("no_data"),
      label: T("rul") + " (" + unitLabel(lastRul.body.time_unit) + ")"
    });
  }
  function renderTrends() {
    var box = document.getElementById("trends");
    if (!lastAsset) return;
    function trendId(s) { return "trend-" + s.name.replace(/[^A-Za-z0-9_-]/g, "_"); }
    // lay out every chart box first, so that each chart is drawn at its final width
    lastAsset.signals.forEach(function (s) {
      var id = trendId(s);
      var wrap = document.getElementById(id);
      if (!wrap) {
        wrap = document.createElement("div");
        wrap.id = id; wrap.className = "trend";
        var h = document.createElement("h3");
        h.textContent = s.name + " [" + s.unit + "]";
        var c = document.createElement("div");
        c.className = "chart-box";
        wrap.appendChild(h); wrap.appendChild(c);
        box.appendChild(wrap);
      }
    });
    var marked = 0;
    lastAsset.signals.forEach(function (s) {
      var wrap = document.getElementById(trendId(s));
      var rows = lastTrends[s.name] || [];
      var flagged = lastQuality[s.name] || {};
      var marks = rows.map(function (r) { return flagged[String(r.time)] === true; });
      marked += marks.filter(Boolean).length;
      window.BChart.line(wrap.querySelector(".chart-box"), {
        x: xs(rows), y: rows.map(function (r) { return r.value; }), xTime: lastAsset.time_kind !== "cycle",
        cls: "trend-chart", height: 160, empty: T("no_data"), label: s.name, marks: marks, markLabel: T("uncertain")
      });
    });
    document.getElementById("uncertain-note").hidden = marked === 0;
  }
  /* the readings of the trends' window that their source marked uncertain, by signal and time */
  function loadQuality() {
    var first = null;
    Object.keys(lastTrends).forEach(function (k) {
      var rows = lastTrends[k];
      if (rows.length && (first === null || xs([rows[0]])[0] < xs([first])[0])) first = rows[0];
    });
    lastQuality = {};
    if (first === null) return Promise.resolve();
    var url = "/api/assets/" + encodeURIComponent(assetId) + "/quality?start=" + encodeURIComponent(first.time);
    return getJSON(url).then(function (res) {
      if (res.status !== 200) return;
      res.body.data.forEach(function (q) {
        (lastQuality[q.signal] = lastQuality[q.signal] || {})[String(q.time)] = q.quality === "uncertain";
      });
    });
  }
  function loadTrends() {
    if (!lastAsset) return Promise.resolve();
    var n = windowSel ? parseInt(windowSel.value || "0", 10) : 0;
    var calls = lastAsset.signals.map(function (s) {
      var url = "/api/assets/" + encodeURIComponent(assetId) + "/readings?limit=5000&signal=" +
                encodeURIComponent(s.name) + (n ? "&last=" + n : "");
      return getJSON(url).then(function (res) { if (res.status === 200) lastTrends[s.name] = res.body.data; });
    });
    return Promise.all(calls).then(loadQuality).then(renderTrends);
  }
  function loadAsset() {
    clearTimeout(timer);
    var base = "/api/maintenance/assets/" + encodeURIComponent(assetId);
    getJSON("/api/assets/" + encodeURIComponent(assetId)).then(function (res) {
      if (res.status !== 200) { showError((res.body.error || {}).message || res.status); return; }
      showError(null);
      lastAsset = res.body; fillWindow(lastAsset.time_kind); renderAsset();
      return Promise.all([
        getJSON(base + "/rul").then(function (r) { lastRul = r; renderRul(); }),
        getJSON(base + "/health").then(function (r) { if (r.status === 200) { lastHealth = r.body; renderHealth(); } }),
        loadTrends()
      ]);
    }).catch(function (e) { showError(String(e)); }).then(function () { timer = setTimeout(loadAsset, POLL); });
  }

  function rerender() {
    if (page === "fleet") { renderFleet(); renderPlan(); }
    if (page === "asset") { renderAsset(); renderHealth(); renderRul(); renderTrends(); }
  }
  document.getElementById("lang-toggle").addEventListener("click", function () {
    window.I18N.set(window.I18N.lang === "ko" ? "en" : "ko");
  });
  window.I18N.onchange = rerender;
  window.I18N.apply();
  if (page === "fleet") loadFleet();
  if (page === "asset") loadAsset();
  var resizeT = null;
  window.addEventListener("resize", function () { clearTimeout(resizeT); resizeT = setTimeout(rerender, 200); });
})();
