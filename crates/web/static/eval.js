// Charts of the evaluation pages (registered into app.js's GX_OPTIONS before it draws them) and
// the points chart of the firm page (an htmx fragment with its own data block).
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['rank-intervals'] = function (d) {
    var r = d.ranked || [];
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 90, right: 20, top: 30, bottom: 30 },
      legend: { data: ['名次区间（5%–95%）', '名次'] },
      xAxis: { type: 'value', name: '名次', min: 1, inverse: false, minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: r.map(function (p) { return p.name; }) },
      series: [
        { type: 'bar', stack: 'iv', itemStyle: { color: 'transparent' }, data: r.map(function (p) { return p.p05 === null ? null : p.p05; }), tooltip: { show: false } },
        { type: 'bar', stack: 'iv', name: '名次区间（5%–95%）', barMaxWidth: 12, data: r.map(function (p) { return p.p05 === null ? null : Math.max(p.p95 - p.p05, 0.15); }) },
        { type: 'scatter', name: '名次', symbolSize: 9, data: r.map(function (p) { return p.rank; }) }
      ]
    };
  };
  GX_OPTIONS['radar'] = function (d) {
    var max = 100;
    return {
      tooltip: {},
      legend: { data: [d.park || '园区', '全区中位数'] },
      radar: { indicator: d.dims.map(function (n) { return { name: n, max: max }; }), radius: '62%' },
      series: [{ type: 'radar', data: [
        { name: d.park || '园区', value: d.park_scores || [] },
        { name: '全区中位数', value: d.median, lineStyle: { type: 'dashed' } }
      ] }]
    };
  };
  function pointsChart(root) {
    var el = (root || document).querySelector('#points-data');
    var box = (root || document).querySelector('[data-points-chart]');
    if (!el || !box || box.dataset.ready || !window.echarts) return;
    var d = JSON.parse(el.textContent);
    var c = window.echarts.init(box, null, { renderer: 'canvas' });
    c.setOption({ animation: false, color: GX_COLORS, textStyle: { fontFamily: GX_FONT }, tooltip: { trigger: 'axis', renderMode: 'richText' },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
      yAxis: { type: 'value', name: '积分' },
      series: [{ type: 'line', name: '总积分', data: d.totals }] });
    box.dataset.ready = '1';
  }
  document.addEventListener('htmx:afterSettle', function (e) { pointsChart(e.target); });
  document.addEventListener('click', function (e) {
    if (e.target && e.target.dataset && e.target.dataset.print) window.print();
  });
})();
