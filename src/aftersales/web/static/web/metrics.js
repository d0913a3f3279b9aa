// The merchant's metrics as charts: the data is the page's JSON (json_script), the table
// below stays for readers without JavaScript.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("metrics-data");
  if (!source || !window.echarts) return;
  const data = JSON.parse(source.textContent);
  const show = (id) => {
    const el = document.getElementById(id);
    el.hidden = false;
    return echarts.init(el);
  };
  show("chart-cases").setOption({
    animation: false,
    tooltip: { trigger: "axis" },
    legend: { top: 0 },
    grid: { left: 40, right: 16, top: 40, bottom: 30 },
    xAxis: { type: "category", data: data.days },
    yAxis: { type: "value", minInterval: 1 },
    series: data.series.map((s) => ({ name: s.name, type: "bar", stack: "cases", data: s.data })),
  });
  show("chart-approvals").setOption({
    animation: false,
    tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["40%", "70%"], data: data.approvals }],
  });
});
