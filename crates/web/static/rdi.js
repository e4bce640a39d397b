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
