// 科技创新生态图谱: the graph of actors and ties (registered into app.js's GX_OPTIONS before it
// draws them). The force layout runs over the first frames (layoutAnimation), so the graph is on
// the canvas at once and settles while the reader looks. A click on a node with a page opens it. When the chart has rendered, the status
// line says how many nodes are drawn and how long it took from navigation (performance timing).
(function () {
  if (typeof GX_OPTIONS === 'undefined') return;
  var tall = document.getElementById('chart-eco-graph');
  if (tall) tall.style.height = '560px';
  var KINDS = ['firm', 'group', 'rdi', 'institute', 'fund', 'park', 'cluster', 'track'];
  var NAMES = ['企业', '企业（汇总）', '新型研发机构', '高校院所', '基金', '园区', '产业集群', '新赛道'];
  GX_OPTIONS['eco-graph'] = function (d) {
    var g = d.graph;
    var deg = g.nodes.map(function () { return 0; });
    g.edges.forEach(function (e) { deg[e.source] += 1; deg[e.target] += 1; });
    var maxFirms = 1;
    g.nodes.forEach(function (n) { if (n.kind === 'group' && n.firms > maxFirms) maxFirms = n.firms; });
    var big = g.nodes.length > 800;
    return {
      tooltip: {},
      legend: { data: NAMES },
      series: [{
        type: 'graph',
        layout: 'force',
        roam: true,
        draggable: !big,
        force: { repulsion: big ? 30 : 80, edgeLength: big ? 20 : 50, gravity: 0.1, layoutAnimation: true, friction: 0.2 },
        categories: NAMES.map(function (n) { return { name: n }; }),
        data: (function () {
          var data = g.nodes.map(function (n, i) {
            var size = n.kind === 'group' ? 8 + 30 * Math.sqrt(n.firms / maxFirms)
              : n.kind === 'park' || n.kind === 'cluster' || n.kind === 'track' ? 16
              : 5 + Math.min(12, 2 * Math.sqrt(deg[i]));
            return {
              id: String(i),
              name: n.label,
              value: n.kind === 'group' ? n.firms + ' 家企业' : deg[i] + ' 条关系',
              category: KINDS.indexOf(n.kind),
              symbolSize: size,
              href: n.href || ''
            };
          });
          // the node found by a search: fixed at the centre, larger, outlined, labelled and
          // drawn last (on top), so that it is seen and can be clicked
          var f = d.focus;
          if (typeof f === 'number' && data[f] && tall) {
            var item = data.splice(f, 1)[0];
            item.fixed = true;
            item.x = tall.clientWidth / 2;
            item.y = tall.clientHeight / 2;
            item.symbolSize = Math.max(item.symbolSize, 28);
            item.itemStyle = { borderColor: '#c62828', borderWidth: 4 };
            item.label = { show: true, fontWeight: 'bold', position: 'right' };
            data.push(item);
          }
          return data;
        })(),
        links: g.edges.map(function (e) {
          return { source: String(e.source), target: String(e.target), lineStyle: { width: Math.min(1 + Math.log(e.weight), 5) } };
        }),
        lineStyle: { opacity: 0.35, curveness: 0 },
        emphasis: { focus: 'adjacency' }
      }]
    };
  };
  document.addEventListener('DOMContentLoaded', function () {
    var box = document.getElementById('chart-eco-graph');
    var status = document.getElementById('eco-status');
    if (!box || !status || !window.echarts) return;
    var tries = 0;
    (function wait() {
      var chart = box.dataset.ready && window.echarts.getInstanceByDom(box);
      if (!chart) {
        if (++tries < 600) window.requestAnimationFrame(wait);
        return;
      }
      chart.on('click', function (p) {
        if (p.dataType === 'node' && p.data && p.data.href) window.location.href = p.data.href;
      });
      var data = JSON.parse(document.getElementById('chart-data').textContent);
      if (typeof data.focus === 'number' && data.graph.nodes[data.focus]) {
        var found = data.graph.nodes[data.focus];
        // the found node is the last data item (see above)
        var last = data.graph.nodes.length - 1;
        chart.dispatchAction({ type: 'highlight', seriesIndex: 0, dataIndex: last });
        box.dataset.focus = found.label;
      }
      var ms = Math.round(window.performance.now());
      var canvas = box.querySelector('canvas');
      status.textContent = '已绘制 ' + box.dataset.nodes + ' 个节点（自打开页面 ' + (ms / 1000).toFixed(2) + ' 秒）。滚轮缩放，拖动平移，点击节点打开其页面。';
      box.dataset.drawnMs = String(ms);
      box.dataset.drawn = canvas ? '1' : '0';
    })();
  });
})();
