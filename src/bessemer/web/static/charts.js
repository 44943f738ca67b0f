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
  /* ---- process monitoring: control charts and contribution bars (added for the process page) ---- */
  function frame(svg, W, H, m, x0, x1, y0, y1, xTime) {
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    var sy = function (v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); };
    var g = el("g", {"class": "axes"}, svg);
    ticks(y0, y1, 4).forEach(function (v) {
      el("line", {x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), "class": "grid"}, g);
      el("text", {x: m.l - 6, y: sy(v) + 4, "text-anchor": "end"}, g).textContent = fmtNum(v);
    });
    var xt = ticks(x0, x1, 6);
    if (xTime) {
      var minute = 60000, span = x1 - x0, steps = [1, 5, 10, 15, 30, 60, 120, 360, 720, 1440, 10080], k = 0;
      while (k < steps.length - 1 && span / (steps[k] * minute) > 6) k++;
      var st = steps[k] * minute;
      xt = [];
      for (var v = Math.ceil(x0 / st) * st; v <= x1; v += st) xt.push(v);
    }
    xt.forEach(function (v) {
      if (xTime && (sx(v) + 36 > W || sx(v) - 36 < 0)) return;  // a label that would be cut at the edge
      el("text", {x: sx(v), y: H - 8, "text-anchor": "middle"}, g).textContent =
        xTime ? fmtTime(v, x1 - x0) : fmtNum(v);
    });
    el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    el("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    return {sx: sx, sy: sy};
  }
  /* opts: {x: [], y: [], limit: number, alarm: [bool], xTime, label, limitLabel, cls, height, empty} */
  function control(box, opts) {
    var W = Math.max(box.clientWidth || 600, 320), H = opts.height || 200;
    var m = {l: 52, r: 12, t: 12, b: 28};
    while (box.firstChild) box.removeChild(box.firstChild);
    var x = opts.x || [], y = opts.y || [], alarm = opts.alarm || [];
    var lim = (opts.limit === null || opts.limit === undefined || !isFinite(opts.limit)) ? null : Number(opts.limit);
    var nAlarm = alarm.filter(function (a) { return !!a; }).length;
    var svg = el("svg", {"class": "chart control " + (opts.cls || ""), width: W, height: H,
                         viewBox: "0 0 " + W + " " + H, role: "img", "data-points": String(x.length),
                         "data-alarms": String(nAlarm), "data-limit": lim === null ? "" : String(lim)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!x.length) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var ys = y.filter(function (v) { return v !== null && isFinite(v); });
    if (lim !== null) ys.push(lim);
    if (!ys.length) ys = [0, 1];
    var x0 = Math.min.apply(null, x), x1 = Math.max.apply(null, x);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var y0 = Math.min(0, Math.min.apply(null, ys)), y1 = Math.max.apply(null, ys);
    y1 += (y1 - y0) * 0.08 || 1;
    var s = frame(svg, W, H, m, x0, x1, y0, y1, opts.xTime);
    var half = x.length > 1 ? (x1 - x0) / (x.length - 1) / 2 : 0.5;
    for (var i = 0; i < x.length; i++) {  // shade each run of alarm samples
      if (!alarm[i] || (i > 0 && alarm[i - 1])) continue;
      var j = i;
      while (j + 1 < x.length && alarm[j + 1]) j++;
      var a = s.sx(Math.max(x0, x[i] - half)), b = s.sx(Math.min(x1, x[j] + half));
      el("rect", {x: a.toFixed(1), y: m.t, width: Math.max(1, b - a).toFixed(1), height: H - m.t - m.b,
                  "class": "alarm-span"}, svg);
    }
    var d = [], pen = "M";
    for (var k = 0; k < x.length; k++) {
      if (y[k] === null || !isFinite(y[k])) { pen = "M"; continue; }
      d.push(pen + s.sx(x[k]).toFixed(1) + "," + s.sy(y[k]).toFixed(1)); pen = "L";
    }
    el("path", {d: d.join(""), "class": "line"}, svg);
    if (lim !== null) {
      el("line", {x1: m.l, x2: W - m.r, y1: s.sy(lim).toFixed(1), y2: s.sy(lim).toFixed(1), "class": "limit"}, svg);
      el("text", {x: m.l + 4, y: (s.sy(lim) - 4).toFixed(1), "class": "limit-label"}, svg)
        .textContent = (opts.limitLabel ? opts.limitLabel + " " : "") + fmtNum(lim);
    }
    for (var n = 0; n < x.length; n++) {
      if (!alarm[n] || y[n] === null || !isFinite(y[n])) continue;
      el("circle", {cx: s.sx(x[n]).toFixed(1), cy: s.sy(y[n]).toFixed(1), r: 2.6, "class": "alarm"}, svg);
    }
    return svg;
  }
  /* opts: {items: [{key, label, value (share 0..1), dir: "up"|"down"}], label, cls, empty} */
  function bars(box, opts) {
    var items = opts.items || [];
    var W = Math.max(box.clientWidth || 600, 320), row = 26;
    var m = {l: Math.min(260, Math.round(W * 0.38)), r: 78, t: 6, b: 6};
    var H = Math.max(60, m.t + m.b + row * items.length);
    while (box.firstChild) box.removeChild(box.firstChild);
    var svg = el("svg", {"class": "chart bars " + (opts.cls || ""), width: W, height: H,
                         viewBox: "0 0 " + W + " " + H, role: "img", "data-bars": String(items.length)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!items.length) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var vmax = Math.max.apply(null, items.map(function (it) { return Number(it.value) || 0; })) || 1;
    items.forEach(function (it, i) {
      var y = m.t + i * row, v = Math.max(0, Number(it.value) || 0), up = it.dir !== "down";
      var g = el("g", {"class": "bar-row", "data-key": it.key || "", "data-dir": up ? "up" : "down"}, svg);
      el("text", {x: m.l - 8, y: y + row / 2 + 4, "text-anchor": "end", "class": "bar-label"}, g).textContent = it.label;
      var w = Math.max(1, (W - m.l - m.r) * v / vmax);
      el("rect", {x: m.l, y: y + 4, width: w.toFixed(1), height: row - 8, "class": "bar " + (up ? "up" : "down")}, g);
      el("text", {x: (m.l + w + 6).toFixed(1), y: y + row / 2 + 4, "class": "bar-value"}, g).textContent =
        (up ? "▲ " : "▼ ") + (v * 100).toFixed(1) + "%";
    });
    return svg;
  }
  window.BChart.control = control;
  window.BChart.bars = bars;
})();
