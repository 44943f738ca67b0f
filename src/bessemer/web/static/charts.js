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
    /* opts.marks[i] true: an open ring on point i (the asset page marks readings whose source said "uncertain") */
    (opts.marks || []).forEach(function (on, i) {
      if (!on || y[i] === null || !isFinite(y[i])) return;
      var c = el("circle", {cx: sx(x[i]).toFixed(1), cy: sy(y[i]).toFixed(1), r: 3.5, "class": "mark"}, svg);
      if (opts.markLabel) el("title", {}, c).textContent = opts.markLabel;
    });
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
    var m = {l: Math.min(260, Math.round(W * 0.38)), r: opts.format ? 150 : 78, t: 6, b: 6};
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
      var dir = it.dir === "base" ? "base" : (up ? "up" : "down");
      var g = el("g", {"class": "bar-row", "data-key": it.key || "", "data-dir": dir}, svg);
      el("text", {x: m.l - 8, y: y + row / 2 + 4, "text-anchor": "end", "class": "bar-label"}, g).textContent = it.label;
      var w = Math.max(1, (W - m.l - m.r) * v / vmax);
      el("rect", {x: m.l, y: y + 4, width: w.toFixed(1), height: row - 8, "class": "bar " + dir}, g);
      /* opts.format(item) replaces the default "▲ 12.3%" share text (e.g. tonnes per scenario) */
      el("text", {x: (m.l + w + 6).toFixed(1), y: y + row / 2 + 4, "class": "bar-value"}, g).textContent =
        opts.format ? opts.format(it) : (up ? "▲ " : "▼ ") + (v * 100).toFixed(1) + "%";
    });
    return svg;
  }
  window.BChart.control = control;
  window.BChart.bars = bars;

  /* ---- energy: load with forecast band over time-of-use shading, and a Gantt chart (energy page) ---- */
  var HOUR = 3600000;
  /* ms to add to a UTC time to get the wall-clock time in tz (IANA name; the browser's zone when absent) */
  function tzOffset(ms, tz) {
    if (tz && window.Intl && Intl.DateTimeFormat) {
      try {
        var parts = {};
        new Intl.DateTimeFormat("en-US", {timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit",
                                          day: "2-digit", hour: "2-digit", minute: "2-digit"})
          .formatToParts(new Date(ms)).forEach(function (q) { parts[q.type] = q.value; });
        var wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, (+parts.hour) % 24, +parts.minute);
        return wall - Math.floor(ms / 60000) * 60000;
      } catch (e) { /* an unknown zone: fall back to the browser's */ }
    }
    return -new Date(ms).getTimezoneOffset() * 60000;
  }
  function pad2(x) { return (x < 10 ? "0" : "") + x; }
  /* ticks at whole local hours; a tick at local midnight shows the date, the others the hour */
  function timeAxis(g, x0, x1, off, sx, H, W) {
    var span = x1 - x0;
    var stepH = span <= 30 * HOUR ? 3 : span <= 80 * HOUR ? 6 : span <= 8 * 24 * HOUR ? 12 : 24;
    while (span / (stepH * HOUR) > Math.max(4, Math.floor(W / 70))) stepH *= 2;
    var st = stepH * HOUR, n = 0;
    for (var v = Math.ceil((x0 + off) / st) * st - off; v <= x1; v += st) {
      var d = new Date(v + off), px = sx(v);
      if (px < 20 || px > W - 20) continue;
      var text = (d.getUTCHours() === 0 && d.getUTCMinutes() === 0)
        ? pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate()) : pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
      el("line", {x1: px.toFixed(1), x2: px.toFixed(1), y1: H, y2: H + 4, "class": "axis"}, g);
      el("text", {x: px.toFixed(1), y: H + 16, "text-anchor": "middle",
                  "class": d.getUTCHours() === 0 ? "day-tick" : ""}, g).textContent = text;
      n++;
    }
    return n;
  }
  /* shaded runs of equal tariff band; bands[i] belongs to [x[i], x[i] + step) */
  function bandRects(svg, x, bands, step, sx, top, height) {
    var g = el("g", {"class": "tou-bands"}, svg), n = 0;
    for (var i = 0; i < x.length; i++) {
      var b = bands[i];
      if (!b || (i > 0 && bands[i - 1] === b)) continue;
      var j = i;
      while (j + 1 < x.length && bands[j + 1] === b) j++;
      var a = sx(x[i]), e = sx(x[j] + step);
      el("rect", {x: a.toFixed(1), y: top, width: Math.max(0.5, e - a).toFixed(1), height: height,
                  "class": "tou tou-" + b, "data-band": b}, g);
      n++;
    }
    return n;
  }
  function path(pts) {  // pts: [[px, py] or null]; a null breaks the line
    var d = [], pen = "M";
    for (var i = 0; i < pts.length; i++) {
      if (!pts[i]) { pen = "M"; continue; }
      d.push(pen + pts[i][0].toFixed(1) + "," + pts[i][1].toFixed(1)); pen = "L";
    }
    return d.join("");
  }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  /* opts: {x: [ms interval starts], step: ms, bands: [light|medium|maximum], series: [{y: [], cls, label}],
            lo?: [], hi?: [], limit?: number, limitLabel?, tz?, height?, label?, empty?} */
  function load(box, opts) {
    var W = Math.max(box.clientWidth || 600, 320), H = opts.height || 260;
    var m = {l: 58, r: 12, t: 10, b: 30};
    while (box.firstChild) box.removeChild(box.firstChild);
    var x = opts.x || [], series = opts.series || [], step = opts.step || 900000;
    var svg = el("svg", {"class": "chart load " + (opts.cls || ""), width: W, height: H,
                         viewBox: "0 0 " + W + " " + H, role: "img", "data-points": String(x.length)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!x.length) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var ys = [0];
    series.forEach(function (s) { (s.y || []).forEach(function (v) { if (finite(v)) ys.push(Number(v)); }); });
    (opts.hi || []).forEach(function (v) { if (finite(v)) ys.push(Number(v)); });
    if (finite(opts.limit)) ys.push(Number(opts.limit));
    var x0 = Math.min.apply(null, x), x1 = Math.max.apply(null, x) + step;
    var y0 = 0, y1 = Math.max.apply(null, ys);
    y1 += (y1 - y0) * 0.06 || 1;
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    var sy = function (v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); };
    var nb = bandRects(svg, x, opts.bands || [], step, sx, m.t, H - m.t - m.b);
    svg.setAttribute("data-bands", String(nb));
    var g = el("g", {"class": "axes"}, svg);
    ticks(y0, y1, 4).forEach(function (v) {
      el("line", {x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), "class": "grid"}, g);
      el("text", {x: m.l - 6, y: sy(v) + 4, "text-anchor": "end"}, g).textContent = fmtNum(v);
    });
    timeAxis(g, x0, x1, tzOffset(x0, opts.tz), sx, H - m.b, W);
    el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    el("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    var mid = function (i) { return sx(x[i] + step / 2); };
    if (opts.lo && opts.hi) {  // the interval: one closed polygon per run of known bounds
      var nBand = 0, i = 0;
      while (i < x.length) {
        if (!finite(opts.lo[i]) || !finite(opts.hi[i])) { i++; continue; }
        var top = [], bottom = [];
        while (i < x.length && finite(opts.lo[i]) && finite(opts.hi[i])) {
          top.push([mid(i), sy(opts.hi[i])]);
          bottom.unshift([mid(i), sy(opts.lo[i])]);
          i++;
        }
        el("path", {d: path(top.concat(bottom)) + "Z", "class": "band"}, svg);
        nBand += top.length;
      }
      svg.setAttribute("data-interval", String(nBand));
    }
    series.forEach(function (s) {
      var pts = [], n = 0;
      for (var k = 0; k < x.length; k++) {
        var v = (s.y || [])[k];
        if (finite(v)) { pts.push([mid(k), sy(Number(v))]); n++; } else pts.push(null);
      }
      var p = el("path", {d: path(pts), "class": "line " + (s.cls || ""), "data-points": String(n)}, svg);
      if (s.label) el("title", {}, p).textContent = s.label;
    });
    if (finite(opts.limit)) {
      var ly = sy(Number(opts.limit)).toFixed(1);
      el("line", {x1: m.l, x2: W - m.r, y1: ly, y2: ly, "class": "limit"}, svg);
      el("text", {x: m.l + 4, y: (Number(ly) - 4).toFixed(1), "class": "limit-label"}, svg)
        .textContent = (opts.limitLabel ? opts.limitLabel + " " : "") + fmtNum(Number(opts.limit));
    }
    return svg;
  }
  /* opts: {rows: [names], items: [{row, start: ms, end: ms, label, title, cls}], x0, x1 (ms),
            bands?: {x: [], bands: [], step}, tz?, label?, empty?} */
  function gantt(box, opts) {
    var rows = opts.rows || [], items = opts.items || [], rowH = 30;
    var W = Math.max(box.clientWidth || 600, 320);
    var m = {l: 70, r: 12, t: 6, b: 30};
    var H = m.t + m.b + Math.max(1, rows.length) * rowH;
    while (box.firstChild) box.removeChild(box.firstChild);
    var svg = el("svg", {"class": "chart gantt " + (opts.cls || ""), width: W, height: H,
                         viewBox: "0 0 " + W + " " + H, role: "img", "data-items": String(items.length)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!items.length || !rows.length) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var x0 = opts.x0, x1 = opts.x1;
    if (!finite(x0)) x0 = Math.min.apply(null, items.map(function (it) { return it.start; }));
    if (!finite(x1)) x1 = Math.max.apply(null, items.map(function (it) { return it.end; }));
    if (x1 <= x0) x1 = x0 + HOUR;
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    if (opts.bands) bandRects(svg, opts.bands.x || [], opts.bands.bands || [], opts.bands.step || 900000, sx,
                              m.t, H - m.t - m.b);
    var g = el("g", {"class": "axes"}, svg);
    rows.forEach(function (r, i) {
      var y = m.t + i * rowH;
      el("line", {x1: m.l, x2: W - m.r, y1: y + rowH, y2: y + rowH, "class": "grid"}, g);
      el("text", {x: m.l - 8, y: y + rowH / 2 + 4, "text-anchor": "end", "class": "row-label"}, g).textContent = r;
    });
    timeAxis(g, x0, x1, tzOffset(x0, opts.tz), sx, H - m.b, W);
    el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    el("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    items.forEach(function (it) {
      var r = rows.indexOf(it.row);
      if (r < 0) return;
      var a = sx(Math.max(x0, it.start)), b = sx(Math.min(x1, it.end)), y = m.t + r * rowH + 4;
      var grp = el("g", {"class": "job " + (it.cls || ""), "data-job": it.label || "", "data-row": it.row}, svg);
      el("rect", {x: a.toFixed(1), y: y, width: Math.max(1, b - a).toFixed(1), height: rowH - 8, rx: 2}, grp);
      if (b - a > 26) {
        el("text", {x: ((a + b) / 2).toFixed(1), y: y + (rowH - 8) / 2 + 4, "text-anchor": "middle"}, grp)
          .textContent = it.label || "";
      }
      if (it.title) el("title", {}, grp).textContent = it.title;
    });
    return svg;
  }
  window.BChart.load = load;
  window.BChart.gantt = gantt;
  window.BChart.tzOffset = tzOffset;
})();
/* ---- quality: SPC chart (center line, control limits that may vary per point, rule violations marked) ---- */
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }
  function finite(v) { return v !== null && v !== undefined && isFinite(v); }
  function perPoint(v, n) {  // a number or one value per point -> an array of n (null where unknown)
    var out = [];
    for (var i = 0; i < n; i++) out.push(Array.isArray(v) ? (finite(v[i]) ? Number(v[i]) : null) : (finite(v) ? Number(v) : null));
    return out;
  }
  function fmt(v) {
    var a = Math.abs(v);
    if (a >= 1e4) return (v / 1e3).toFixed(0) + "k";
    if (a >= 100) return v.toFixed(0);
    if (a >= 10) return v.toFixed(1);
    if (a >= 1) return v.toFixed(2);
    return v.toPrecision(2);
  }
  function ticks(lo, hi, n) {
    var step = Math.pow(10, Math.floor(Math.log10((hi - lo) / n)));
    var err = (hi - lo) / n / step;
    if (err >= 7.5) step *= 10; else if (err >= 3.5) step *= 5; else if (err >= 1.5) step *= 2;
    var out = [];
    for (var v = Math.ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) out.push(v);
    return out;
  }
  function pad2(x) { return (x < 10 ? "0" : "") + x; }
  function linePath(xs, ys, sx, sy) {
    var d = [], pen = "M";
    for (var i = 0; i < xs.length; i++) {
      if (!finite(ys[i])) { pen = "M"; continue; }
      d.push(pen + sx(xs[i]).toFixed(1) + "," + sy(ys[i]).toFixed(1)); pen = "L";
    }
    return d.join("");
  }
  /* opts: {x: [ms], y: [], center, lcl, ucl (number or one per point), violations: [point index],
            label, limitLabels: [lcl, ucl], height, empty, tz} */
  function spc(box, opts) {
    var W = Math.max(box.clientWidth || 600, 320), H = opts.height || 220;
    var m = {l: 56, r: 44, t: 10, b: 28};
    while (box.firstChild) box.removeChild(box.firstChild);
    var x = opts.x || [], y = opts.y || [], n = x.length;
    var bad = {}, nBad = 0;
    (opts.violations || []).forEach(function (i) { if (!bad[i] && i >= 0 && i < n) { bad[i] = true; nBad++; } });
    var svg = el("svg", {"class": "chart spc " + (opts.cls || ""), width: W, height: H, viewBox: "0 0 " + W + " " + H,
                         role: "img", "data-points": String(n), "data-violations": String(nBad)}, box);
    if (opts.label) { el("title", {}, svg).textContent = opts.label; }
    if (!n) {
      el("text", {x: W / 2, y: H / 2, "text-anchor": "middle", "class": "empty"}, svg).textContent = opts.empty || "";
      return svg;
    }
    var c = perPoint(opts.center, n), lo = perPoint(opts.lcl, n), hi = perPoint(opts.ucl, n);
    var ys = [];
    [y, c, lo, hi].forEach(function (a) { a.forEach(function (v) { if (finite(v)) ys.push(Number(v)); }); });
    if (!ys.length) ys = [0, 1];
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var pad = (y1 - y0) * 0.08 || 1; y0 -= pad; y1 += pad;
    var x0 = Math.min.apply(null, x), x1 = Math.max.apply(null, x);
    if (x1 === x0) { x0 -= 1; x1 += 1; }
    var sx = function (v) { return m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r); };
    var sy = function (v) { return H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b); };
    var g = el("g", {"class": "axes"}, svg);
    ticks(y0, y1, 4).forEach(function (v) {
      el("line", {x1: m.l, x2: W - m.r, y1: sy(v), y2: sy(v), "class": "grid"}, g);
      el("text", {x: m.l - 6, y: sy(v) + 4, "text-anchor": "end"}, g).textContent = fmt(v);
    });
    /* time ticks at whole hours of the site's clock (BChart.tzOffset), dates at midnight */
    var off = window.BChart.tzOffset ? window.BChart.tzOffset(x0, opts.tz) : 0, MIN = 60000, span = x1 - x0;
    var steps = [5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080], k = 0;
    while (k < steps.length - 1 && span / (steps[k] * MIN) > Math.max(3, Math.floor(W / 90))) k++;
    var st = steps[k] * MIN;
    for (var t = Math.ceil((x0 + off) / st) * st - off; t <= x1; t += st) {
      var px = sx(t);
      if (px < m.l + 16 || px > W - m.r - 16) continue;
      var d = new Date(t + off), midnight = d.getUTCHours() === 0;
      el("text", {x: px.toFixed(1), y: H - 8, "text-anchor": "middle", "class": midnight ? "day-tick" : ""}, g)
        .textContent = midnight ? pad2(d.getUTCMonth() + 1) + "-" + pad2(d.getUTCDate())
                                : pad2(d.getUTCHours()) + ":" + pad2(d.getUTCMinutes());
    }
    el("line", {x1: m.l, x2: m.l, y1: m.t, y2: H - m.b, "class": "axis"}, g);
    el("line", {x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b, "class": "axis"}, g);
    el("path", {d: linePath(x, c, sx, sy), "class": "center"}, svg);
    el("path", {d: linePath(x, lo, sx, sy), "class": "limit lcl"}, svg);
    el("path", {d: linePath(x, hi, sx, sy), "class": "limit ucl"}, svg);
    var names = opts.limitLabels || ["LCL", "UCL"];
    [[lo, names[0], "lcl"], [hi, names[1], "ucl"]].forEach(function (L) {
      var last = L[0][n - 1];
      if (finite(last)) {
        el("text", {x: W - m.r + 4, y: (sy(last) + 4).toFixed(1), "class": "limit-label " + L[2]}, svg).textContent = L[1];
      }
    });
    if (finite(c[n - 1])) el("text", {x: W - m.r + 4, y: (sy(c[n - 1]) + 4).toFixed(1), "class": "center-label"}, svg)
      .textContent = "CL";
    el("path", {d: linePath(x, y, sx, sy), "class": "line"}, svg);
    for (var i = 0; i < n; i++) {
      if (!finite(y[i])) continue;
      var dot = el("circle", {cx: sx(x[i]).toFixed(1), cy: sy(y[i]).toFixed(1), r: bad[i] ? 3.6 : 1.6,
                              "class": bad[i] ? "violation" : "point", "data-index": String(i)}, svg);
      if (bad[i] && opts.titles && opts.titles[i]) el("title", {}, dot).textContent = opts.titles[i];
    }
    return svg;
  }
  window.BChart.spc = spc;
})();
