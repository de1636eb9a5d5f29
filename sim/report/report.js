// perpsim report: prices and a lane per (node, record kind) on one zoomable time axis,
// the cause chain of the hovered record, and the waves table. Data: #report-data.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var rec = data.records;
  var n = rec.id.length;
  var index = new Map();  // record id -> position in rec
  for (var i = 0; i < n; i++) index.set(rec.id[i], i);

  function fmt(x, digits) {
    if (x === null || x === undefined) return "";
    return Number(x).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 4 : digits });
  }
  function duration(s) {  // as `perpsim trace` prints a hop's delay
    return s < 1 ? fmt(s * 1000, 3) + " ms" : fmt(s, 3) + " s";
  }
  function describe(i) {
    var parts = ["#" + rec.id[i] + " " + rec.kind[i] + " at " + rec.node[i], "t = " + fmt(rec.t[i], 6) + " s"];
    data.columns.forEach(function (c) {
      if (["id", "t", "kind", "node", "cause"].indexOf(c) >= 0) return;
      var v = rec[c][i];
      if (v === null || v === "" || (c === "side" && v === 0)) return;
      parts.push(c + ": " + (typeof v === "number" ? fmt(v) : v));
    });
    parts.push(rec.cause[i] < 0 ? "exogenous" : "caused by #" + rec.cause[i]);
    return parts.join("<br>");
  }

  // --- traces: prices (top), one scatter per record kind on the lanes (bottom), the chain
  var traces = [];
  data.prices.forEach(function (s) {
    traces.push({
      type: "scatter", mode: "lines", name: s.name, x: s.t.concat([data.t_end]),
      y: s.price.concat([s.price[s.price.length - 1]]), line: { shape: "hv", color: s.color, dash: s.dash, width: 1.6 },
      xaxis: "x", yaxis: "y", hovertemplate: s.name + ": %{y:$,.4f} at %{x:.3f} s<extra></extra>",
    });
  });
  var gl = n > 20000 ? "scattergl" : "scatter";
  data.kinds.forEach(function (kind) {
    var x = [], y = [], ids = [], text = [], size = [];
    for (var i = 0; i < n; i++) {
      if (rec.kind[i] !== kind) continue;
      x.push(rec.t[i]); y.push(rec.row[i]); ids.push(rec.id[i]); text.push(describe(i));
      size.push(kind === "liquidation" ? 9 : 6);
    }
    traces.push({
      type: gl, mode: "markers", name: kind, x: x, y: y, customdata: ids, text: text,
      marker: { color: data.kind_colors[kind], size: size, opacity: 0.8, line: { width: 0 } },
      xaxis: "x", yaxis: "y2", hovertemplate: "%{text}<extra></extra>",
    });
  });
  var chainTrace = traces.length;
  traces.push({
    type: "scatter", mode: "lines+markers", name: "cause chain", x: [], y: [], xaxis: "x", yaxis: "y2",
    line: { color: "#54278f", width: 2.5 }, marker: { size: 10, color: "#54278f", symbol: "circle-open" },
    hoverinfo: "skip", showlegend: true,
  });

  var layout = {
    margin: { l: 170, r: 20, t: 20, b: 50 },
    hovermode: "closest", dragmode: "zoom",
    legend: { orientation: "h", y: -0.07, font: { size: 11 } },
    xaxis: { title: { text: "time (s)" }, anchor: "y2", domain: [0, 1], range: data.focus || undefined },
    yaxis: { domain: [0.68, 1], title: { text: "price (USDT)" }, tickformat: ",.2f" },
    yaxis2: {
      domain: [0, 0.63], tickmode: "array", tickvals: data.rows.map(function (_, i) { return i; }),
      ticktext: data.rows, autorange: "reversed", tickfont: { size: 10 }, fixedrange: true,
    },
  };
  var plot = document.getElementById("plot");

  // --- the cause chain of one record, root first
  function chainOf(id) {
    var chain = [];
    var i = index.get(id);
    while (i !== undefined) {
      chain.push(i);
      i = rec.cause[i] < 0 ? undefined : index.get(rec.cause[i]);
    }
    return chain.reverse();
  }
  function showChain(id, via) {
    var chain = chainOf(id);
    if (!chain.length) return;
    var rows = chain.map(function (i, k) {
      var delay = k ? rec.t[i] - rec.t[chain[k - 1]] : null;
      return "<tr><td>" + rec.id[i] + "</td><td>" + fmt(rec.t[i], 6) + "</td><td class='text'>" + rec.node[i] +
        "</td><td class='text'>" + rec.kind[i] + "</td><td>" + (delay === null ? "" : "+" + duration(delay)) + "</td></tr>";
    });
    var last = chain[chain.length - 1];
    document.getElementById("chain").innerHTML =
      "<p>record " + rec.id[last] + ": " + rec.kind[last] + " at " + rec.node[last] + ", " + (chain.length - 1) +
      " hops from " + rec.kind[chain[0]] + " at " + rec.node[chain[0]] + "</p>" +
      "<table id='chain-table' data-record='" + rec.id[last] + "' data-via='" + via + "'><tr><th>id</th><th>t (s)</th>" +
      "<th class='text'>node</th><th class='text'>kind</th><th>delay</th></tr>" + rows.join("") + "</table>";
    Plotly.restyle(plot, { x: [chain.map(function (i) { return rec.t[i]; })], y: [chain.map(function (i) { return rec.row[i]; })] }, [chainTrace]);
  }
  function hoverRecord(id) {  // move the pointer onto a record's marker, as a reader would
    var i = index.get(id);
    var drag = plot.querySelector(".draglayer .xy2 .nsewdrag");
    if (i === undefined || !drag) return;
    var xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis2, box = plot.getBoundingClientRect();
    drag.dispatchEvent(new MouseEvent("mousemove", {
      bubbles: true, clientX: box.left + xa._offset + xa.l2p(rec.t[i]), clientY: box.top + ya._offset + ya.l2p(rec.row[i]),
    }));
  }
  function pointId(ev) {
    var p = ev && ev.points && ev.points[0];
    return p && p.customdata !== undefined ? p.customdata : undefined;
  }

  // --- the waves table
  function wavesTable() {
    var box = document.getElementById("waves");
    if (!data.waves.length) { box.innerHTML = "<p class='note'>no liquidations</p>"; return; }
    var cols = Object.keys(data.waves[0]);
    box.innerHTML = "<table id='waves-table'><tr>" + cols.map(function (c) { return "<th>" + c + "</th>"; }).join("") +
      "</tr>" + data.waves.map(function (w) {
        return "<tr>" + cols.map(function (c) { return "<td>" + fmt(w[c], /notional/.test(c) ? 0 : 3) + "</td>"; }).join("") + "</tr>";
      }).join("") + "</table>";
  }

  if (data.focus) {
    document.getElementById("thinned").textContent = "Opened on first ignition to last liquidation (double-click for the whole run). ";
  }
  if (data.total > n) {
    document.getElementById("thinned").textContent += "Showing " + n.toLocaleString() + " of " +
      data.total.toLocaleString() + " records (every liquidation's chain is whole).";
  }
  wavesTable();
  Plotly.newPlot(plot, traces, layout, { responsive: true, displaylogo: false }).then(function () {
    plot.on("plotly_hover", function (ev) { var id = pointId(ev); if (id !== undefined) showChain(id, "hover"); });
    plot.on("plotly_click", function (ev) { var id = pointId(ev); if (id !== undefined) showChain(id, "click"); });
    var m = /record=(\d+)/.exec(window.location.hash);
    if (m) showChain(Number(m[1]), "address");
    var h = /hover=(\d+)/.exec(window.location.hash);  // hover a record as the pointer would (for tests)
    if (h) hoverRecord(Number(h[1]));
    document.body.dataset.ready = "yes";
  });
})();
