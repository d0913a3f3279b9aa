// The merchant's credit as charts: its metrics beside the category mean, and its score by
// month. The data is the page's JSON (json_script); the table stays for readers without JS.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("credit-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const show = (id) => {
    const el = document.getElementById(id);
    el.hidden = false;
    return echarts.init(el);
  };
  show("chart-credit").setOption({
    animation: false,
    tooltip: { trigger: "axis", valueFormatter: (v) => `${v.toFixed(1)}%` },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 80 },
    xAxis: { type: "category", data: data.metrics, axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", axisLabel: { formatter: "{value}%" } },
    series: [
      { name: data.mine_name, type: "bar", data: data.mine },
      { name: data.mean_name, type: "bar", data: data.mean },
    ],
  });
  show("chart-score").setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    xAxis: { type: "category", data: data.months },
    yAxis: { type: "value", min: 0, max: 100 },
    series: [{ name: data.score_name, type: "line", data: data.scores }],
  });
});
