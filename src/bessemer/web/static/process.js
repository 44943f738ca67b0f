/* Process-monitoring page: control charts, alarms, contributions and fault injection; polls for updates.
   Loaded with `defer` after app.js (which owns the language toggle). The API token typed into #token is
   kept in sessionStorage (this tab only) and sent as an Authorization header, never in a URL. */
(function () {
  "use strict";
  if (document.body.getAttribute("data-page") !== "process") return;
  var T = function (k) { return window.I18N.t(k); };
  var Dom = window.BDom;  // shared helpers (dom.js)
  var cell = Dom.cell, clearEl = Dom.clearEl, errText = Dom.errText, getJSON = Dom.getJSON, ko = Dom.ko,
      locale = Dom.locale, num = Dom.num, showError = Dom.showError;
  var POLL = parseInt(new URLSearchParams(window.location.search).get("poll") || "5000", 10);
  var TOKEN_KEY = window.BDom.TOKEN_KEY;
  var root = document.getElementById("process");
  var unit = root.getAttribute("data-unit") || "";
  var lastUnits = null, lastScores = null, lastAlarms = null, lastContrib = null, lastFaults = null;
  var faultsFor = null, timer = null, message = null;

  function pct(p) { return (p === null || p === undefined) ? "" : num(p * 100, 0) + "%"; }
  function when(v) {
    if (v === null || v === undefined) return "–";
    var d = new Date(v);
    if (isNaN(d.getTime())) return String(v);
    return d.toLocaleString(locale(), {year: "numeric", month: "2-digit", day: "2-digit",
                                       hour: "2-digit", minute: "2-digit", second: "2-digit"});
  }
  function title(o) { return o ? ((ko() && o.title_ko) ? o.title_ko : (o.title_en || o.fault || o.name || "")) : ""; }
  function varName(o) { return (ko() && o.name_ko) ? o.name_ko : (o.name_en || o.variable || o.name || ""); }
  function api(path) { return "/api/process/units/" + encodeURIComponent(unit) + path; }
  function diagnosisText(dg) {
    if (!dg) return T("no_fault");
    var name = dg.fault === "unknown" ? T("unknown_fault") : title(dg);
    return dg.probability === null || dg.probability === undefined ? name
      : name + " (" + T("probability") + " " + pct(dg.probability) + ")";
  }

  /* ------------------------------------------------------------------ rendering */
  function current() {
    if (!lastUnits) return null;
    for (var i = 0; i < lastUnits.data.length; i++) { if (lastUnits.data[i].unit === unit) return lastUnits.data[i]; }
    return null;
  }
  function renderUnits() {
    if (!lastUnits) return;
    var sel = document.getElementById("unit-select");
    // rebuild the options only when they change, so that polling never closes an open drop-down
    var sig = window.I18N.lang + "|" + unit + "|" + lastUnits.data.map(function (u) { return u.unit; }).join(",");
    if (sel.getAttribute("data-sig") !== sig) {
      sel.setAttribute("data-sig", sig);
      clearEl(sel);
    }
    if (!sel.options.length) lastUnits.data.forEach(function (u) {
      var o = document.createElement("option");
      o.value = u.unit;
      o.textContent = u.unit + " · " + ((ko() && u.name_ko) ? u.name_ko : (u.name_en || u.unit));
      o.selected = u.unit === unit;
      sel.appendChild(o);
    });
    var u = current();
    var st = document.getElementById("p-state");
    st.setAttribute("data-state", u ? u.state : "");
    st.className = "value badge state-" + (u ? u.state : "none");
    st.textContent = u ? T("state_" + u.state) : "–";
    document.getElementById("p-diagnosis").textContent = u ? diagnosisText(u.diagnosis) : "–";
    var f = u && u.active_fault, fe = document.getElementById("p-fault");
    var known = null;
    (lastFaults || []).forEach(function (x) { if (x.name === f) known = x; });
    fe.textContent = f ? (known ? title(known) : f) : T("none");
    var up = document.getElementById("updated");
    if (up && lastUnits.updated) up.textContent = when(lastUnits.updated);
  }
  function renderScores() {
    var box = document.getElementById("stat-charts");
    if (!lastScores) return;
    var s = lastScores, rows = s.data || [];
    var labels = {t2: T("stat_hotelling"), spe: T("stat_spe"), window: T("stat_window")};
    // lay out every chart box first, so that each chart is drawn at its final width
    s.statistics.forEach(function (name) {
      var id = "stat-" + name.replace(/[^A-Za-z0-9_-]/g, "_");
      if (!document.getElementById(id)) {
        var wrap = document.createElement("div");
        wrap.id = id; wrap.className = "trend";
        var h = document.createElement("h3");
        var c = document.createElement("div");
        c.className = "chart-box";
        wrap.appendChild(h); wrap.appendChild(c);
        box.appendChild(wrap);
      }
    });
    var x = rows.map(function (r) { return Date.parse(r.time); });
    var alarm = rows.map(function (r) { return !!r.alarm; });
    s.statistics.forEach(function (name) {
      var wrap = document.getElementById("stat-" + name.replace(/[^A-Za-z0-9_-]/g, "_"));
      var label = labels[name] || name;
      wrap.querySelector("h3").textContent = label;
      window.BChart.control(wrap.querySelector(".chart-box"), {
        x: x, y: rows.map(function (r) { return r[name]; }), alarm: alarm, limit: (s.limits || {})[name],
        xTime: true, height: 190, cls: "stat-" + name, label: label, limitLabel: T("limit"), empty: T("no_data")
      });
    });
  }
  function renderContrib() {
    if (!lastContrib) return;
    window.BChart.bars(document.getElementById("contrib-chart"), {
      items: lastContrib.map(function (c) {
        return {key: c.variable, label: varName(c), value: c.contribution, dir: c.direction};
      }),
      cls: "contrib", label: T("contributions"), empty: T("no_data")
    });
  }
  function topList(top) {
    var ul = document.createElement("ul");
    ul.className = "top-vars";
    (top || []).forEach(function (t) {
      var li = document.createElement("li");
      var mark = {up: "▲ ", down: "▼ ", frozen: "■ ", missing: "∅ "}[t.direction] || "";
      li.className = "dir-" + (t.direction || "none");
      li.setAttribute("data-variable", t.variable);
      li.textContent = mark + varName(t) + " " + pct(t.contribution);
      ul.appendChild(li);
    });
    return ul;
  }
  function renderAlarms() {
    if (!lastAlarms) return;
    var tb = document.querySelector("#alarm-table tbody");
    clearEl(tb);
    lastAlarms.forEach(function (a) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-alarm", String(a.id));
      tr.className = (a.end ? "alarm-closed" : "alarm-active") + " kind-" + a.kind;
      cell(tr, when(a.start), "num");
      cell(tr, a.end ? when(a.end) : T("active"), a.end ? "num" : "num active");
      cell(tr, T("kind_" + a.kind));
      cell(tr, diagnosisText(a), "diag");
      cell(tr, topList(a.top));
      tb.appendChild(tr);
    });
    document.getElementById("alarms-empty").hidden = lastAlarms.length > 0;
  }
  function renderFaults() {
    if (!lastFaults) return;
    var sel = document.getElementById("fault-select");
    var keep = sel.value;
    var sig = window.I18N.lang + "|" + lastFaults.map(function (f) { return f.name; }).join(",");
    if (sel.getAttribute("data-sig") === sig) return;  // unchanged: keep an open drop-down open
    sel.setAttribute("data-sig", sig);
    clearEl(sel);
    lastFaults.forEach(function (f) {
      var o = document.createElement("option");
      o.value = f.name;
      o.textContent = title(f) + " (" + T("kind_" + f.kind) + ")";
      if (f.description_en && !ko()) o.title = f.description_en;
      sel.appendChild(o);
    });
    if (keep) sel.value = keep;
  }
  function renderMessage() {
    var e = document.getElementById("inject-msg");
    if (!message) { e.textContent = ""; e.className = "hint"; return; }
    var detail = message.detail;
    if (message.fault) {  // resolved here, so that the title follows the language
      detail = message.fault;
      (lastFaults || []).forEach(function (x) { if (x.name === message.fault) detail = title(x); });
    }
    e.textContent = T(message.key) + (detail ? ": " + detail : "");
    e.className = message.bad ? "error" : "hint ok";
  }
  function rerender() {
    renderUnits(); renderFaults(); renderScores(); renderContrib(); renderAlarms(); renderMessage();
  }

  /* ------------------------------------------------------------------ loading */
  function preparing(on) { Dom.preparing(root, on); }
  function pollProgress() { Dom.pollProgress("process", load, function (fn, ms) { timer = setTimeout(fn, ms); }, POLL); }
  function load() {
    clearTimeout(timer);
    var waiting = false;
    getJSON("/api/process/units").then(function (res) {
      if (res.status === 503) { preparing(true); waiting = true; pollProgress(); return; }
      if (res.status !== 200) { showError(errText(res)); return; }
      preparing(false);
      lastUnits = res.body;
      if (!unit && lastUnits.data.length) unit = lastUnits.data[0].unit;
      if (!unit) { showError(T("no_data")); return; }
      var calls = [
        getJSON(api("/scores?last=240")).then(function (r) { if (r.status === 200) lastScores = r.body; return r; }),
        getJSON(api("/alarms?limit=50")).then(function (r) { if (r.status === 200) lastAlarms = r.body.data; return r; }),
        getJSON(api("/contributions")).then(function (r) { if (r.status === 200) lastContrib = r.body.data; return r; })
      ];
      if (faultsFor !== unit) {
        calls.push(getJSON(api("/faults")).then(function (r) {
          if (r.status === 200) { lastFaults = r.body.data; faultsFor = unit; }
          return r;
        }));
      }
      return Promise.all(calls).then(function (all) {
        var bad = all.filter(function (r) { return r.status !== 200; });
        showError(bad.length ? errText(bad[0]) : null);
        rerender();
      });
    }).catch(function (e) { showError(String(e)); }).then(function () {
      if (!waiting) timer = setTimeout(load, POLL);
    });
  }

  /* ------------------------------------------------------------------ fault injection */
  var tokenInput = document.getElementById("token");
  try { tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) {}
  tokenInput.addEventListener("input", function () {
    try { sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()); } catch (e) {}
  });
  function send(method, body) {
    var token = tokenInput.value.trim();
    if (!token) { message = {key: "need_token", bad: true}; renderMessage(); return Promise.resolve(null); }
    if (!unit) return Promise.resolve(null);
    var init = {method: method, headers: {"Authorization": "Bearer " + token}};
    if (body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return getJSON(api("/faults"), init).then(function (res) {
      if (res.status === 200 || res.status === 201) return res;
      message = {key: "refused", detail: errText(res), bad: true};
      renderMessage();
      return null;
    }, function (e) { message = {key: "refused", detail: String(e), bad: true}; renderMessage(); return null; });
  }
  document.getElementById("inject-btn").addEventListener("click", function () {
    var fault = document.getElementById("fault-select").value;
    var mag = parseFloat(document.getElementById("magnitude").value || "1");
    if (!fault) return;
    send("POST", {fault: fault, magnitude: isFinite(mag) ? mag : 1}).then(function (res) {
      if (!res) return;
      message = {key: "injected", fault: res.body.fault, bad: false};
      renderMessage(); load();
    });
  });
  document.getElementById("clear-btn").addEventListener("click", function () {
    send("DELETE").then(function (res) {
      if (!res) return;
      message = {key: res.body.cleared ? "cleared" : "nothing_to_clear", bad: false};
      renderMessage(); load();
    });
  });
  document.getElementById("unit-select").addEventListener("change", function (ev) {
    unit = ev.target.value;
    lastScores = lastAlarms = lastContrib = null;
    var url = new URL(window.location.href);
    url.pathname = "/process/" + encodeURIComponent(unit);
    window.history.replaceState(null, "", url.toString());
    load();
  });

  var previous = window.I18N.onchange;
  window.I18N.onchange = function () { if (previous) previous(); rerender(); };
  var resizeT = null;
  window.addEventListener("resize", function () { clearTimeout(resizeT); resizeT = setTimeout(rerender, 200); });
  load();
})();
