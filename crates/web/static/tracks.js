// Charts of the tracks board and the lead pipeline: entries of app.js's GX_OPTIONS (loaded
// before the charts are drawn on DOMContentLoaded). No inline scripts (CSP).
GX_OPTIONS['tracks-side'] = function (d) {
  return {
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.names, axisLabel: { interval: 0 } },
    yAxis: [{ type: 'value', name: '家 / 条', minInterval: 1 }, { type: 'value', name: '完整度', max: 100, splitLine: { show: false } }],
    series: [
      { type: 'bar', name: '企业数', data: d.firms },
      { type: 'bar', name: '在跟线索', data: d.leads_open },
      { type: 'bar', name: '已落地', data: d.leads_landed },
      { type: 'line', name: '五个一完整度', yAxisIndex: 1, data: d.score }
    ]
  };
};
GX_OPTIONS['track-years'] = function (d) {
  return {
    legend: { top: 0 },
    tooltip: { trigger: 'axis' },
    grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
    xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
    yAxis: { type: 'value', name: '家', minInterval: 1 },
    series: [
      { type: 'line', name: '企业', data: d.firms },
      { type: 'line', name: '科小', data: d.techsme },
      { type: 'line', name: '高企', data: d.hnte },
      { type: 'line', name: '瞪羚', data: d.gazelle },
      { type: 'line', name: '独角兽', data: d.unicorn },
      { type: 'bar', name: '当年新成立', data: d.founded }
    ]
  };
};
GX_OPTIONS['lead-funnel'] = function (d) {
  return {
    tooltip: { trigger: 'item' },
    series: [{
      type: 'funnel', name: '到达阶段的线索', sort: 'none', left: 8, right: 8, top: 8, bottom: 8,
      label: { show: true, position: 'inside' },
      data: d.stages.map(function (s, i) { return { name: s, value: d.reached[i] }; })
    }]
  };
};
