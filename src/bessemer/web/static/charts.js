/* Small dependency-free SVG line charts with an optional interval band. */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function ticks(lo, hi, n) {
    if (!(hi > lo)) { hi = lo + 1; }
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
    return out;
  }
  function fmtNum(v) {
    var a = Math.abs(v);
    if (a >= 1e4) return (v / 1e3).toFixed(0) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 1) return v.toFixed(1);
    return v.toPrecision(2);
  }
  function fmtTime(ms, span) {
    var d = new Date(ms);
    var p = function (x) { return (x < 10 ? "0" : "") + x; };
    if (span > 3 * 86400000) return p(d.getMonth() + 1) + "-" + p(d.getDate());
    return p(d.getMonth() + 1) + "-" + p(d.getDate()) + " " + p(d.getHours()) + ":" + p(d.getMinutes());
  }
  /* opts: {x: [numbers (ms for time)], y: [numbers], lo?: [], hi?: [], xTime: bool, label: str, cls: str} */
  function line(box, opts) {
    var W = Math.max(box.clientWidth || 600, 320), H = opts.height || 220;
    var m = {l: 52, r: 12, t: 12, b: 28};
    while (box.firstChild) box.removeChild(box.firstChild);
    var x = opts.x || [], y = opts.y || [];
    var svg = el("svg", {"class": "chart " + (opts.cls || ""), width: W, height: H,
                         viewBox: "0 0 " + W + " " + H, role: "img", "data-points": String(x.length)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!x.length) {
      var t = el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg);
      t.textContent = opts.empty || "";
      return svg;
    }
    var ys = y.slice();
    if (opts.lo) ys = ys.concat(opts.lo);
    if (opts.hi) ys = ys.concat(opts.hi);
    ys = ys.filter(function (v) { return v !== null && isFinite(v); });
    var x0 = Math.min.apply(null, x), x1 = Math.max.apply(null, x);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var pad = (y1 - y0) * 0.08 || 1; y0 -= pad; y1 += pad;
    if (opts.zero && y0 < 0) y0 = Math.min(0, y0);
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    var sy = function (v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); };
    var g = el("g", {"class": "axes"}, svg);
    ticks(y0, y1, 4).forEach(function (v) {
      el("line", {x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), "class": "grid"}, g);
      el("text", {x: m.l - 6, y: sy(v) + 4, "text-anchor": "end"}, g).textContent = fmtNum(v);
    });
    var xt = opts.xTime ? ticks(x0, x1, 5) : ticks(x0, x1, 6);
    if (opts.xTime) {
      var hour = 3600000, span = x1 - x0;
      var stepH = span > 20 * 86400000 ? 24 * 7 : span > 3 * 86400000 ? 24 : span > 86400000 ? 6 : span > 6 * hour ? 2 : 1;
      xt = [];
      for (var v = Math.ceil(x0 / (stepH * hour)) * stepH * hour; v <= x1; v += stepH * hour) xt.push(v);
      while (xt.length > 7) xt = xt.filter(function (_, i) { return i % 2 === 0; });
    }
    xt.forEach(function (v) {
      el("text", {x: sx(v), y: H - 8, "text-anchor": "middle"}, g).textContent =
        opts.xTime ? fmtTime(v, x1 - x0) : fmtNum(v);
    });
    el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    el("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    if (opts.lo && opts.hi) {
      var top = [], bottom = [];
      for (var i = 0; i < x.length; i++) {
        if (opts.lo[i] === null || opts.hi[i] === null) continue;
        top.push(sx(x[i]).toFixed(1) + "," + sy(opts.hi[i]).toFixed(1));
        bottom.unshift(sx(x[i]).toFixed(1) + "," + sy(opts.lo[i]).toFixed(1));
      }
      if (top.length) el("path", {d: "M" + top.concat(bottom).join("L") + "Z", "class": "band"}, svg);
    }
    var d = [], pen = "M";
    for (var j = 0; j < x.length; j++) {
      if (y[j] === null || !isFinite(y[j])) { pen = "M"; continue; }
      d.push(pen + sx(x[j]).toFixed(1) + "," + sy(y[j]).toFixed(1)); pen = "L";
    }
    el("path", {d: d.join(""), "class": "line"}, svg);
    return svg;
  }
  window.BChart = {line: line};
})();
