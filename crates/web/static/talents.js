// Charts of 人才监测 (registered into app.js's GX_OPTIONS before it draws them): talents in post
// per park in the latest year, and new arrivals per year with the running total since 2021 against
// the plan's 3,000 target. The same figures are in the tables below the charts.
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['talent-parks'] = function (d) {
    var pairs = d.by_park.map(function (s) { return [s.label, s.counts[s.counts.length - 1] || 0]; });
    pairs.sort(function (a, b) { return b[1] - a[1]; });
    var opt = gxBars(pairs);
    opt.series[0].name = '年末在岗人才（人）';
    return opt;
  };
  GX_OPTIONS['talent-arrivals'] = function (d) {
    var run = 0;
    var cumulative = d.years.map(function (y, i) {
      if (y >= 2021) { run += d.arrivals[i]; return run; }
      return null;
    });
    var line = { type: 'line', name: '2021年起累计引进（人）', yAxisIndex: 1, data: cumulative, connectNulls: false };
    if (d.target) {
      line.markLine = { symbol: 'none', label: { formatter: '目标 ' + d.target + ' 人' }, data: [{ yAxis: d.target }] };
    }
    return {
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
      yAxis: [{ type: 'value', name: '人', minInterval: 1 }, { type: 'value', name: '累计（人）', minInterval: 1, splitLine: { show: false } }],
      series: [{ type: 'bar', name: '当年新引进（人）', data: d.arrivals, barMaxWidth: 28 }, line]
    };
  };
})();
