// Charts of the 梯度培育 and 政策 pages (registered into app.js's GX_OPTIONS before it draws them).
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['ladder-funnel'] = function (d) {
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: d.levels },
      grid: { left: 50, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: d.parks, axisLabel: { rotate: 35 } },
      yAxis: { type: 'value', name: '企业数', minInterval: 1 },
      series: d.levels.map(function (l, i) { return { type: 'bar', stack: 'n', name: l, data: d.counts[i] }; })
    };
  };
  GX_OPTIONS['policy-budget'] = function (d) {
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: d.series.map(function (s) { return s.name; }) },
      grid: { left: 60, right: 20, top: 40, bottom: 70 },
      xAxis: { type: 'category', data: d.parks, axisLabel: { rotate: 35 } },
      yAxis: { type: 'value', name: '万元' },
      series: d.series.map(function (s) { return { type: 'bar', stack: 'w', name: s.name, data: s.data }; })
    };
  };
})();
