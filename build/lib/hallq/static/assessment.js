/* Supervisors' pages: the charts (vendored Chart.js, no network), and the record
 * form's points field, which only some lines let the entry set. */
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const data = $("ops-data") ? JSON.parse($("ops-data").textContent) : null;
  if (window.Chart) {
    Chart.defaults.font.family = '"Noto Sans CJK SC","Microsoft YaHei",sans-serif';
    Chart.defaults.animation = false; // charts print and screenshot complete
    Chart.defaults.maintainAspectRatio = false;
  }
  const pct = (x) => (x == null ? null : Math.round(x * 1000) / 10);
  // The page's language (body data-lang, set by the server from ?lang= or the cookie).
  const EN = document.body.dataset.lang === "en";
  const T = EN
    ? { min: (m) => m + " min", rate: "Satisfaction %", ratings: (n) => `${n} ratings`, people: "People",
        issued: "Issued", hour: (h) => h + ":00", range: (a, b) => `${a} to ${b}`, fixed: "set by the scheme" }
    : { min: (m) => m + "分钟", rate: "满意率 %", ratings: (n) => `${n}条`, people: "人数",
        issued: "取号", hour: (h) => h + "时", range: (a, b) => `${a} 至 ${b}`, fixed: "按办法定分" };

  // Dashed lines between the wait buckets at the 15- and 30-minute marks.
  const markLines = {
    id: "markLines",
    afterDatasetsDraw(chart, _args, opts) {
      const x = chart.scales.x, y = chart.scales.y, ctx = chart.ctx;
      (opts.marks || []).forEach((m) => {
        const i = opts.labels.findIndex((l) => l.startsWith(m + "–"));
        if (i < 1) return;
        const px = (x.getPixelForValue(i - 1) + x.getPixelForValue(i)) / 2;
        ctx.save();
        ctx.strokeStyle = m >= 30 ? "#b3261e" : "#b26a00";
        ctx.setLineDash([5, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath(); ctx.moveTo(px, y.top); ctx.lineTo(px, y.bottom); ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = ctx.strokeStyle;
        ctx.font = "12px sans-serif";
        ctx.fillText(T.min(m), px + 4, y.top + 12);
        ctx.restore();
      });
    },
  };

  function charts() {
    if (!data || !window.Chart) return;
    const trend = data.satisfaction_trend;
    if ($("chart-satisfaction")) {
      new Chart($("chart-satisfaction"), {
        type: "line",
        data: {
          labels: trend.map((t) => t.month.slice(2).replace("-", "/")),
          datasets: [{ label: T.rate, data: trend.map((t) => pct(t.rate)), borderColor: "#0b57d0",
                       backgroundColor: "#0b57d0", spanGaps: true, tension: 0.2 }],
        },
        options: { plugins: { legend: { display: false },
                              tooltip: { callbacks: { label: (c) => `${c.parsed.y}% (${T.ratings(trend[c.dataIndex].ratings)})` } } },
                   scales: { y: { suggestedMin: 80, max: 100, ticks: { callback: (v) => v + "%" } } } },
      });
    }
    if ($("chart-waits")) {
      const w = data.wait;
      const colors = w.buckets.map((label) => {
        const low = parseInt(label, 10);
        return low >= 30 ? "#b3261e" : low >= 15 ? "#e0a100" : "#1b7f3b";
      });
      new Chart($("chart-waits"), {
        type: "bar",
        data: { labels: w.buckets.map((b) => (EN ? b + "′" : b + "分")), datasets: [{ label: T.people, data: w.counts, backgroundColor: colors }] },
        options: { plugins: { legend: { display: false }, markLines: { marks: w.marks, labels: w.buckets } },
                   scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
        plugins: [markLines],
      });
    }
    if ($("chart-hours")) {
      const h = data.by_hour;
      new Chart($("chart-hours"), {
        type: "bar",
        data: { labels: h.hours.map(T.hour), datasets: [{ label: T.issued, data: h.counts, backgroundColor: "#5b7db1" }] },
        options: { plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      });
    }
    document.body.dataset.charts = "drawn";
  }

  function pointsField() {
    const item = $("item"), points = $("points");
    if (!item || !points) return;
    const sync = () => {
      const entry = item.selectedOptions[0] && item.selectedOptions[0].dataset.entry;
      const range = entry ? JSON.parse(entry) : null;
      points.disabled = !range;
      points.placeholder = range ? T.range(range[0], range[1]) : T.fixed;
      if (range) { points.min = range[0]; points.max = range[1]; } else { points.value = ""; }
    };
    item.addEventListener("change", sync);
    sync();
  }

  charts();
  pointsField();
})();
