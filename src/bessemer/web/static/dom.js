/* Helpers every dashboard page shares: number formatting in the page's language, table cells, the error line,
   JSON fetches that never throw on a non-JSON body, the API token, and the "being prepared" progress loop. Text
   only: nothing from the API is parsed as markup. Loaded by base.html before the page scripts as window.BDom.

   The token: a server outside development asks for one on reads too. A read answered 401 opens the token bar
   (base.html); the token typed there is kept in sessionStorage (this tab only) and sent as an Authorization
   header on every fetch, never in a URL. process.js's operator token field uses the same key. */
(function () {
  "use strict";

  function ko() { return window.I18N.lang === "ko"; }
  function locale() { return ko() ? "ko-KR" : "en-US"; }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  function num(v, d) {
    if (!finite(v)) return "–";
    return Number(v).toLocaleString(locale(), {maximumFractionDigits: d === undefined ? 0 : d});
  }
  function clearEl(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  function text(id, v) { var e = document.getElementById(id); if (e) e.textContent = v; }
  function make(tag, className, content) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (content !== undefined && content !== null) e.textContent = content;
    return e;
  }
  function cell(tr, content, className) {
    var td = make("td", className);
    if (content instanceof Node) td.appendChild(content); else td.textContent = content;
    tr.appendChild(td);
    return td;
  }
  function showError(msg) {
    var e = document.getElementById("error");
    e.hidden = !msg;
    e.textContent = msg ? window.I18N.t("load_error") + ": " + msg : "";
  }
  function errText(res) { return ((res.body || {}).error || {}).message || String(res.status); }
  var TOKEN_KEY = "bessemer.token";
  function token() { try { return sessionStorage.getItem(TOKEN_KEY) || ""; } catch (e) { return ""; } }
  function setToken(v) {
    try { if (v) sessionStorage.setItem(TOKEN_KEY, v); else sessionStorage.removeItem(TOKEN_KEY); } catch (e) {}
  }
  /* The token bar: shown once a read is refused for want of a (valid) token. */
  function askToken(refused) {
    var bar = document.getElementById("auth-bar");
    if (!bar) return;
    var msg = document.getElementById("auth-msg");
    msg.setAttribute("data-i18n", refused ? "auth_refused" : "auth_needed");
    msg.textContent = window.I18N.t(msg.getAttribute("data-i18n"));
    bar.hidden = false;
  }
  (function wireTokenBar() {
    var bar = document.getElementById("auth-bar");
    if (!bar) return;
    bar.addEventListener("submit", function (ev) {
      ev.preventDefault();
      setToken(document.getElementById("auth-token").value.trim());
      window.location.reload();
    });
  })();
  function getJSON(url, init) {
    init = init || {};
    init.headers = init.headers || {};
    init.headers.Accept = "application/json";
    var tok = token();
    if (tok && !init.headers.Authorization) init.headers.Authorization = "Bearer " + tok;
    return fetch(url, init).then(function (r) {
      if (r.status === 401) askToken(!!(init.headers.Authorization));
      return r.json().then(function (j) { return {status: r.status, body: j}; },
                           function () { return {status: r.status, body: {}}; });
    });
  }
  /* Show the page's "being prepared" panel instead of its content (`root`), or the content again. */
  function preparing(root, on) {
    document.getElementById("preparing").hidden = !on;
    root.hidden = on;
  }
  /* Poll /api/progress, showing its stage, until `service` is ready; then call `onReady`. `schedule(fn, ms)`
     sets the page's own timer, so that the page can cancel the loop. */
  function pollProgress(service, onReady, schedule, poll) {
    var again = function () { pollProgress(service, onReady, schedule, poll); };
    getJSON("/api/progress").then(function (res) {
      var p = res.body || {};
      text("progress-stage", p.stage || "");
      text("progress-pct", num((p.fraction || 0) * 100) + "%");
      document.getElementById("progress-bar").style.width = ((p.fraction || 0) * 100).toFixed(0) + "%";
      var ready = (p.services || []).indexOf(service) >= 0;
      schedule(ready ? onReady : again, Math.min(poll, 1500));
    }, function () { schedule(again, 2000); });
  }

  window.BDom = {ko: ko, locale: locale, finite: finite, num: num, clearEl: clearEl, text: text, make: make,
                 cell: cell, showError: showError, errText: errText, getJSON: getJSON, preparing: preparing,
                 pollProgress: pollProgress, token: token, setToken: setToken, TOKEN_KEY: TOKEN_KEY};
})();
