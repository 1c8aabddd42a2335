// Accessibility helpers that need the browser (no inline script: works under a strict CSP).
// - page(): the document's language and title follow the view the router rendered
//   (called as a clientside callback with the router's {lang, title}).
// - The file input inside dcc.Upload gets an accessible name (the drop zone's own text).
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  bibplan_a11y: {
    page: function (meta) {
      if (meta && meta.lang) document.documentElement.lang = meta.lang;
      if (meta && meta.title) document.title = meta.title;
      return window.dash_clientside.no_update;
    }
  }
});

(function () {
  function nameFileInputs() {
    var zones = document.querySelectorAll(".upload-drop");
    for (var i = 0; i < zones.length; i++) {
      var input = zones[i].querySelector("input[type=file]");
      if (input && !input.hasAttribute("aria-label")) {
        input.setAttribute("aria-label", zones[i].getAttribute("data-label") || zones[i].textContent.trim());
        input.setAttribute("tabindex", "-1");
      }
    }
  }
  new MutationObserver(nameFileInputs).observe(document.documentElement, { childList: true, subtree: true });
})();

// Charts readable without sight (WCAG 1.1.1): every Plotly chart gets a text alternative made
// from its own numbers (each series' latest value and its change from the point before; the
// highest and lowest bar) and, under it, its data as a table in a <details>.  Rebuilt on every
// redraw, so a chart a callback refills is described anew.
(function () {
  var NBSP = "\u00a0";
  function sv() { return document.documentElement.lang !== "en"; }
  function num(v) {
    if (v === null || v === undefined || v === "" || isNaN(Number(v))) return "–";
    var n = Number(v), digits = Math.abs(n) < 10 && n % 1 !== 0 ? 2 : (n % 1 !== 0 ? 1 : 0);
    var s = n.toLocaleString(sv() ? "sv-SE" : "en-GB", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    return s.replace(/\u2212/g, "-");
  }
  function label(v) { return v === null || v === undefined ? "" : String(v).replace(/<br>/g, " ").replace(/<[^>]+>/g, ""); }
  function series(tr) {
    var cats = tr.orientation === "h" ? tr.y : tr.x, vals = tr.orientation === "h" ? tr.x : tr.y;
    if (!vals || !vals.length) return null;
    cats = cats && cats.length ? cats : vals.map(function (_, i) { return i + 1; });
    var pts = [];
    for (var i = 0; i < vals.length; i++) pts.push([label(cats[i]), vals[i]]);
    return { name: label(tr.name) || (sv() ? "Serie" : "Series"), type: tr.type || "scatter", pts: pts };
  }
  function sentence(s) {
    var pts = s.pts.filter(function (p) { return p[1] !== null && p[1] !== undefined && !isNaN(Number(p[1])); });
    if (!pts.length) return s.name + (sv() ? ": inga värden." : ": no values.");
    if (s.type === "bar" && pts.length > 2) {
      var hi = pts[0], lo = pts[0];
      pts.forEach(function (p) { if (Number(p[1]) > Number(hi[1])) hi = p; if (Number(p[1]) < Number(lo[1])) lo = p; });
      return s.name + (sv() ? ": högst " : ": highest ") + hi[0] + " " + num(hi[1]) +
        (sv() ? ", lägst " : ", lowest ") + lo[0] + " " + num(lo[1]) + ".";
    }
    var last = pts[pts.length - 1], out = s.name + ": " + last[0] + " " + num(last[1]);
    if (pts.length > 1) {
      var prev = pts[pts.length - 2], d = Number(last[1]) - Number(prev[1]);
      out += (sv() ? " (" : " (") + (d > 0 ? "+" : "") + num(d) + (sv() ? " mot " : " from ") + prev[0] + ")";
    }
    return out + ".";
  }
  function heat(tr) {
    var z = tr.z || [], y = tr.y || [], x = tr.x || [];
    var text = tr.text || [];
    var rows = z.map(function (r, i) {
      return [label(y[i])].concat(r.map(function (v, j) { return text[i] && text[i][j] ? label(text[i][j]) : num(v); }));
    });
    return { head: [""].concat(x.map(label)), rows: rows,
             summary: (sv() ? "Rutnät: " : "Grid: ") + y.length + (sv() ? " rader × " : " rows × ") + x.length + (sv() ? " kolumner." : " columns.") };
  }
  function table(head, rows) {
    var t = document.createElement("table"); t.className = "table table-sm chart-data";
    var thead = t.createTHead().insertRow();
    head.forEach(function (h) { var th = document.createElement("th"); th.scope = "col"; th.textContent = h; thead.appendChild(th); });
    var body = t.createTBody();
    rows.forEach(function (r) {
      var tr = body.insertRow();
      r.forEach(function (c, i) {
        var cell = document.createElement(i ? "td" : "th"); if (!i) cell.scope = "row";
        cell.textContent = c; tr.appendChild(cell);
      });
    });
    return t;
  }
  function describe(gd) {
    var data = (gd.data || []).filter(function (tr) { return tr.visible !== false; });
    var wrapper = gd.parentElement;
    if (!wrapper) return;
    var summary, head, rows;
    if (data.length && data[0].type === "heatmap") {
      var h = heat(data[0]); summary = h.summary; head = h.head; rows = h.rows;
    } else {
      var ss = data.map(series).filter(Boolean);
      summary = ss.map(sentence).join(" ");
      var cats = [];
      ss.forEach(function (s) { s.pts.forEach(function (p) { if (cats.indexOf(p[0]) < 0) cats.push(p[0]); }); });
      head = [""].concat(ss.map(function (s) { return s.name; }));
      rows = cats.map(function (c) {
        return [c].concat(ss.map(function (s) {
          var p = s.pts.filter(function (q) { return q[0] === c; })[0]; return p ? num(p[1]) : "";
        }));
      });
    }
    var title = gd.layout && gd.layout.title && (gd.layout.title.text || gd.layout.title);
    var name = (typeof title === "string" && title ? label(title) + ". " : "") +
      (summary || (sv() ? "Diagrammet är tomt." : "The chart is empty."));
    gd.setAttribute("role", "img");
    gd.setAttribute("aria-label", name);
    var alt = wrapper.nextElementSibling;
    if (!alt || !alt.classList.contains("chart-alt")) {
      alt = document.createElement("div"); alt.className = "chart-alt";
      wrapper.parentElement.insertBefore(alt, wrapper.nextSibling);
    }
    alt.textContent = "";
    var p = document.createElement("p"); p.className = "chart-summary"; p.textContent = name; alt.appendChild(p);
    if (wrapper.closest(".sparkline, .tile-chart") || !rows.length) return;  // the numbers are beside it
    var det = document.createElement("details"), sum = document.createElement("summary");
    sum.textContent = sv() ? "Visa diagrammets data som tabell" : "Show the chart's data as a table";
    det.appendChild(sum);
    var box = document.createElement("div"); box.className = "table-scroll"; box.appendChild(table(head, rows));
    det.appendChild(box); alt.appendChild(det);
  }
  function watch() {
    var plots = document.querySelectorAll(".js-plotly-plot");
    for (var i = 0; i < plots.length; i++) {
      var gd = plots[i];
      if (gd.__bibplanAlt || typeof gd.on !== "function") continue;
      gd.__bibplanAlt = true;
      gd.on("plotly_afterplot", (function (g) { return function () { describe(g); }; })(gd));
      describe(gd);
    }
  }
  new MutationObserver(watch).observe(document.documentElement, { childList: true, subtree: true });
})();
