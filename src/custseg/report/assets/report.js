// custseg report: draws the charts from the options inlined as JSON in #custseg-options.
// Text from rule tables and data (labels, actions) reaches the page only as text: the
// tooltips are built as DOM nodes whose text is set with textContent, never as HTML.
"use strict";
(function () {
  const OPTIONS = JSON.parse(document.getElementById("custseg-options").textContent);

  function line(box, text) {
    const div = document.createElement("div");
    if (text !== undefined) div.textContent = text;
    box.appendChild(div);
    return div;
  }

  function dot(color) {
    const span = document.createElement("span");
    span.className = "dot";
    if (typeof color === "string") span.style.backgroundColor = color;
    return span;
  }

  const heat = OPTIONS["chart-heatmap"].series[0];
  OPTIONS["chart-heatmap"].tooltip.formatter = function (p) {
    const box = document.createElement("div");
    const mean = p.data[3] === null ? "-" : Number(p.data[3]).toFixed(2);
    line(box, "R " + (p.data[1] + 1) + ", F " + (p.data[0] + 1));
    line(box, heat.customersLabel + ": " + p.data[2]);
    line(box, heat.meanLabel + ": " + mean);
    return box;
  };

  OPTIONS["chart-segments"].tooltip.formatter = function (ps) {
    const box = document.createElement("div");
    line(box, ps[0].name);
    ps.forEach(function (p) {
      const row = line(box);
      row.appendChild(dot(p.color));
      row.appendChild(document.createTextNode(p.seriesName + ": " + p.value + "%"));
    });
    const action = document.createElement("i");
    action.textContent = ps[0].data.action;
    box.appendChild(action);
    return box;
  };

  // the prediction's charts (report --predict) and customers and revenue per value
  // (report --by): the same text-only tooltips
  ["chart-predict", "chart-holdout", "chart-by"].forEach(function (id) {
    if (!OPTIONS[id]) return;
    OPTIONS[id].tooltip.formatter = function (ps) {
      const box = document.createElement("div");
      line(box, String(ps[0].name));
      ps.forEach(function (p) {
        const row = line(box);
        row.appendChild(dot(p.color));
        row.appendChild(document.createTextNode(p.seriesName + ": " + p.value));
      });
      return box;
    };
  });

  // the cohort heatmap (report --cohort): cohort, offset, share and customers, as text
  if (OPTIONS["chart-cohort"]) {
    const cohort = OPTIONS["chart-cohort"];
    cohort.tooltip.formatter = function (p) {
      const box = document.createElement("div");
      line(box, String(cohort.yAxis.data[p.data[1]]) + " +" + p.data[0]);
      line(box, p.data[2] + "%");
      line(box, cohort.series[0].customersLabel + ": " + p.data[3]);
      return box;
    };
  }
  // the clusters' charts (report --cluster): a point's cluster and values, the k curve
  if (OPTIONS["chart-clusters"]) {
    const tip = OPTIONS["chart-clusters"].tooltip;
    tip.formatter = function (p) {
      const box = document.createElement("div");
      const row = line(box);
      row.appendChild(dot(p.color));
      row.appendChild(document.createTextNode(String(p.seriesName)));
      line(box, tip.xLabel + ": " + p.value[0]);
      line(box, tip.yLabel + ": " + p.value[1]);
      return box;
    };
  }
  if (OPTIONS["chart-kchoice"]) {
    OPTIONS["chart-kchoice"].tooltip.formatter = function (ps) {
      const box = document.createElement("div");
      line(box, "k = " + ps[0].name);
      ps.forEach(function (p) {
        const row = line(box);
        row.appendChild(dot(p.color));
        row.appendChild(document.createTextNode(p.seriesName + ": " + p.value));
      });
      return box;
    };
  }

  const charts = [];
  for (const id in OPTIONS) {
    const chart = echarts.init(document.getElementById(id), null, { renderer: "canvas" });
    chart.setOption(OPTIONS[id]);
    charts.push(chart);
  }
  window.addEventListener("resize", function () {
    charts.forEach(function (c) { c.resize(); });
  });
  window.custsegChartsReady = charts.length;
})();
