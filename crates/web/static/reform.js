// 政策测算 page: a slider and its number input stay in step; every change asks the server for the
// result (htmx, debounced by the form's `reform-change delay:250ms` trigger); the year or rule
// reloads the page with that rule's parameters. Registers the winners/losers chart into app.js's
// GX_OPTIONS.
(function () {
  if (typeof GX_OPTIONS !== 'undefined') {
    GX_OPTIONS['reform-parks'] = function (d) {
      return {
        tooltip: { trigger: 'axis' },
        legend: { data: ['新增符合（家次）', '不再符合（家次）', '奖励变化（万元）'] },
        grid: { left: 60, right: 60, top: 40, bottom: 70 },
        xAxis: { type: 'category', data: d.parks, axisLabel: { rotate: 35 } },
        yAxis: [{ type: 'value', name: '家次', minInterval: 1 }, { type: 'value', name: '万元', splitLine: { show: false } }],
        series: [
          { type: 'bar', name: '新增符合（家次）', stack: 'n', data: d.gained, itemStyle: { color: '#2f8f5b' } },
          { type: 'bar', name: '不再符合（家次）', stack: 'n', data: d.lost, itemStyle: { color: '#c23b3b' } },
          { type: 'line', name: '奖励变化（万元）', yAxisIndex: 1, data: d.delta_wan, itemStyle: { color: '#d9822b' } }
        ]
      };
    };
  }
  document.addEventListener('input', function (e) {
    var t = e.target;
    if (!t || !t.dataset || !t.dataset.param || !t.form || t.form.id !== 'reform-form') return;
    var other = document.getElementById((t.type === 'range' ? 'n-' : 'r-') + t.dataset.param);
    if (other && other !== t) other.value = t.value;
    var box = t.closest('.param');
    if (box) box.classList.add('changed');
    if (window.htmx) window.htmx.trigger(t.form, 'reform-change');
  });
  document.addEventListener('change', function (e) {
    var t = e.target;
    if (!t || (t.id !== 'reform-year' && t.id !== 'reform-rule')) return;
    var y = document.getElementById('reform-year');
    var r = document.getElementById('reform-rule');
    window.location.href = '/reform?year=' + encodeURIComponent(y.value) +
      (t.id === 'reform-rule' ? '&rule=' + encodeURIComponent(r.value) : '');
  });
  // Charts of a swapped result are drawn anew; the old ones are disposed of first.
  document.addEventListener('htmx:beforeSwap', function (e) {
    if (!e.detail || !e.detail.target || e.detail.target.id !== 'reform-result' || !window.echarts) return;
    e.detail.target.querySelectorAll('[data-chart]').forEach(function (box) {
      var c = window.echarts.getInstanceByDom(box);
      if (c) c.dispose();
    });
  });
})();
