// Charts of the 新型研发机构 pages (registered into app.js's GX_OPTIONS before it draws them): an
// institution's normalised indicator scores against the zone median.
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['rdi-radar'] = function (d) {
    var r = d.radar;
    return {
      tooltip: {},
      legend: { data: ['本机构', '全区中位数'], top: 0 },
      radar: {
        indicator: r.map(function (a) { return { name: a.name, max: 100 }; }),
        radius: '62%'
      },
      series: [{
        type: 'radar',
        data: [
          { name: '本机构', value: r.map(function (a) { return a.own === null ? 0 : a.own; }) },
          { name: '全区中位数', value: r.map(function (a) { return a.median === null ? 0 : a.median; }) }
        ]
      }]
    };
  };
})();
// 创新活力指数: the index over the years and the waterfall of one year's growth.
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['vitality-index'] = function (d) {
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
      yAxis: { type: 'value', name: '指数' },
      series: [{ type: 'line', name: '创新活力指数', data: d.index.map(function (x) { return Math.round(x * 10) / 10; }) }]
    };
  };
  GX_OPTIONS['vitality-waterfall'] = function (d) {
    var names = [], base = [], up = [], down = [], acc = 0;
    d.wf.forEach(function (c) {
      var v = Math.round(c.points * 100) / 100;
      names.push(c.name);
      if (v >= 0) { base.push(acc); up.push(v); down.push('-'); acc += v; }
      else { acc += v; base.push(acc); up.push('-'); down.push(-v); }
    });
    names.push('合计');
    base.push(Math.min(0, acc)); 
    up.push(acc >= 0 ? Math.round(acc * 100) / 100 : '-');
    down.push(acc < 0 ? Math.round(-acc * 100) / 100 : '-');
    return {
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 30 } },
      yAxis: { type: 'value', name: '百分点' },
      series: [
        { type: 'bar', stack: 'w', name: '基线', itemStyle: { color: 'rgba(0,0,0,0)' }, data: base, silent: true },
        { type: 'bar', stack: 'w', name: '拉动', data: up },
        { type: 'bar', stack: 'w', name: '拖累', data: down }
      ]
    };
  };
})();
