// Charts of a cluster's page (registered into app.js's GX_OPTIONS before it draws them): the
// network of members and universities / institutes, and the measures over the years.
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  GX_OPTIONS['cluster-graph'] = function (d) {
    var g = d.graph;
    var max = 0;
    g.nodes.forEach(function (n) { if (n.category === 0 && n.value > max) max = n.value; });
    return {
      tooltip: {},
      legend: { data: g.aggregated ? ['成员企业', '高校院所', '其他成员（按行业汇总）'] : ['成员企业', '高校院所'] },
      series: [{
        type: 'graph',
        layout: 'force',
        roam: true,
        draggable: true,
        force: { repulsion: 60, edgeLength: 40 },
        categories: [{ name: '成员企业' }, { name: '高校院所' }, { name: '其他成员（按行业汇总）' }],
        data: g.nodes.map(function (n) {
          return {
            id: n.id,
            name: n.name,
            value: n.value,
            category: n.category,
            symbolSize: n.category === 1 ? 14 : n.category === 2 ? 30 : 6 + 18 * Math.sqrt(max > 0 ? Math.min(n.value / max, 1) : 0)
          };
        }),
        links: g.links.map(function (l) {
          return { source: l.source, target: l.target, value: l.value, lineStyle: { width: Math.min(1 + Math.log(l.value), 6) } };
        }),
        lineStyle: { opacity: 0.5 }
      }]
    };
  };
  GX_OPTIONS['cluster-series'] = function (d) {
    var s = d.series;
    return {
      tooltip: { trigger: 'axis' },
      legend: { data: ['成员企业', '关联指数'] },
      grid: { left: 60, right: 60, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: s.map(function (p) { return p.year; }) },
      yAxis: [{ type: 'value', name: '家', minInterval: 1 }, { type: 'value', name: '关联指数' }],
      series: [
        { type: 'bar', name: '成员企业', data: s.map(function (p) { return p.m.in_force ? p.m.firms : null; }) },
        { type: 'line', name: '关联指数', yAxisIndex: 1, data: s.map(function (p) { return p.m.linkage_index; }) }
      ]
    };
  };
})();
