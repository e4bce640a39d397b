// 科技金融 charts: added to the page script's chart table (app.js draws every [data-chart]).
GX_OPTIONS['fin-parks'] = function (d) {
  return {
    legend: { top: 0 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: d.parks.map(function (p) { return p[0]; }), axisLabel: { interval: 0 } },
    series: [
      { type: 'bar', name: '需求数', data: d.parks.map(function (p) { return p[1]; }), barMaxWidth: 14 },
      { type: 'bar', name: '已匹配', data: d.parks.map(function (p) { return p[2]; }), barMaxWidth: 14 }
    ]
  };
};
GX_OPTIONS['fin-bands'] = function (d) {
  return {
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.bands.map(function (b) { return b[0]; }) },
    yAxis: [{ type: 'value', name: '申请数', minInterval: 1 }, { type: 'value', name: '获批率（%）', max: 100, splitLine: { show: false } }],
    series: [
      { type: 'bar', name: '申请数', data: d.bands.map(function (b) { return b[1]; }) },
      { type: 'line', name: '获批率（%）', yAxisIndex: 1, data: d.bands.map(function (b) { return b[2]; }) }
    ]
  };
};
