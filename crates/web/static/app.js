// gaoxin page script: error collection (read by the browser tests), ECharts from the page's
// embedded JSON, htmx upload progress and error states. No inline scripts (CSP: script-src 'self').
window.__gxErrors = [];
window.addEventListener('error', function (e) { window.__gxErrors.push(String(e.message || e)); });
window.addEventListener('unhandledrejection', function (e) { window.__gxErrors.push('unhandled: ' + e.reason); });
document.addEventListener('securitypolicyviolation', function (e) {
  window.__gxErrors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI);
});

var GX_FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif';
var GX_COLORS = ['#1f5fa8', '#d9822b', '#2f8f5b', '#8a4fbf', '#c23b3b', '#3a9ea5'];

function gxBars(pairs) {
  return {
    grid: { left: 8, right: 24, top: 8, bottom: 8, containLabel: true },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'value', minInterval: 1 },
    yAxis: { type: 'category', inverse: true, data: pairs.map(function (p) { return p[0]; }), axisLabel: { interval: 0 } },
    series: [{ type: 'bar', name: '企业数（家）', data: pairs.map(function (p) { return p[1]; }), barMaxWidth: 18 }]
  };
}

var GX_OPTIONS = {
  parks: function (d) { return gxBars(d.parks); },
  clusters: function (d) { return gxBars(d.clusters); },
  tracks: function (d) { return gxBars(d.tracks); },
  years: function (d) {
    return {
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y[0] + '年'; }) },
      yAxis: [{ type: 'value', name: '亿元' }, { type: 'value', name: '%', splitLine: { show: false } }],
      series: [
        { type: 'bar', name: '营业收入（亿元）', data: d.years.map(function (y) { return y[1]; }) },
        { type: 'bar', name: '研发费用（亿元）', data: d.years.map(function (y) { return y[2]; }) },
        { type: 'line', name: '研发强度（%）', yAxisIndex: 1, data: d.years.map(function (y) { return y[3]; }) }
      ]
    };
  },
  'firm-money': function (d) {
    return {
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
      yAxis: { type: 'value', name: '万元' },
      series: [
        { type: 'bar', name: '营业收入（万元）', data: d.revenue },
        { type: 'bar', name: '研发费用（万元）', data: d.rd_expense }
      ]
    };
  },
  'firm-people': function (d) {
    return {
      legend: { top: 0 },
      tooltip: { trigger: 'axis' },
      grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
      xAxis: { type: 'category', data: d.years.map(function (y) { return y + '年'; }) },
      yAxis: { type: 'value', name: '人', minInterval: 1 },
      series: [
        { type: 'line', name: '从业人员', data: d.employees },
        { type: 'line', name: '研发人员', data: d.rd_staff }
      ]
    };
  }
};

function gxCharts(root) {
  var el = document.getElementById('chart-data');
  if (!el || !window.echarts) return;
  var data = JSON.parse(el.textContent);
  root.querySelectorAll('[data-chart]').forEach(function (box) {
    if (box.dataset.ready) return;
    var make = GX_OPTIONS[box.dataset.chart];
    if (!make) return;
    var opt = make(data);
    opt.color = GX_COLORS;
    opt.animation = false;
    opt.textStyle = { fontFamily: GX_FONT };
    gxCanvasTooltips(opt);
    gxLegendClear(opt);
    var chart = window.echarts.init(box, null, { renderer: 'canvas' });
    chart.setOption(opt);
    box.dataset.ready = '1';
    if (window.ResizeObserver) new ResizeObserver(function () { chart.resize(); }).observe(box);
  });
}

// A legend never covers the plot: one scrolling row at the top, and the plot area starts below
// it and below the value axes' names (drawn above the axes).
function gxLegendClear(opt) {
  var legends = Array.isArray(opt.legend) ? opt.legend : (opt.legend ? [opt.legend] : []);
  if (!legends.length) return opt;
  legends.forEach(function (l) { l.type = 'scroll'; l.top = 0; l.left = l.left || 'center'; });
  var axes = [].concat(opt.yAxis || [], opt.xAxis || []);
  var named = axes.some(function (a) { return a && a.name; });
  var need = named ? 56 : 36;
  var grids = Array.isArray(opt.grid) ? opt.grid : (opt.grid ? [opt.grid] : []);
  if (axes.length && !grids.length) { opt.grid = { top: need, containLabel: true }; }
  grids.forEach(function (g) { if (typeof g.top !== 'number' || g.top < need) g.top = need; });
  return opt;
}

// Tables: a table that fits its box is not a scroll box (its header row sticks to the window);
// one wider than its box and taller than the window gets a bounded box (its header row sticks
// inside). Re-checked when the window's size changes.
function gxTables(root) {
  (root.querySelectorAll ? root : document).querySelectorAll('.tablebox').forEach(function (box) {
    var t = box.querySelector('table');
    if (!t) return;
    box.classList.toggle('fits', t.scrollWidth <= box.clientWidth + 1);
    box.classList.toggle('tall', t.offsetHeight > window.innerHeight * 0.85);
  });
}

// Tooltips drawn in the canvas: ECharts' HTML tooltips carry inline style attributes, which the
// Content-Security-Policy (style-src without 'unsafe-inline') refuses.
function gxCanvasTooltips(opt) {
  var t = opt.tooltip;
  if (Array.isArray(t)) t.forEach(function (x) { x.renderMode = 'richText'; });
  else if (t) t.renderMode = 'richText';
  return opt;
}

function gxFlash(msg) {
  var f = document.getElementById('flash');
  if (!f) return;
  f.textContent = msg;
  f.hidden = false;
}

document.addEventListener('DOMContentLoaded', function () { gxCharts(document); gxTables(document); });
document.addEventListener('htmx:afterSettle', function (e) { gxCharts(e.target); gxTables(document); });
window.addEventListener('resize', function () { gxTables(document); });
document.addEventListener('htmx:beforeRequest', function () { var f = document.getElementById('flash'); if (f) f.hidden = true; });
document.addEventListener('htmx:xhr:progress', function (e) {
  var p = document.getElementById('upload-progress');
  if (p && e.detail && e.detail.lengthComputable) p.value = Math.round(e.detail.loaded / e.detail.total * 100);
});
document.addEventListener('htmx:responseError', function (e) {
  var s = e.detail && e.detail.xhr ? e.detail.xhr.status : '';
  gxFlash(s === 403 ? '页面已过期或无权操作，请刷新页面后重试。' : '请求失败（' + s + '），请稍后重试。');
});
document.addEventListener('htmx:sendError', function () { gxFlash('网络连接失败，请检查网络后重试。'); });
// A form with data-confirm asks before it is sent (e.g. granting a bank consent); the question
// may name a chosen option: {bank} is replaced by the selected option's text of select[name=bank].
document.addEventListener('submit', function (e) {
  var f = e.target;
  if (!f || !f.getAttribute) return;
  var q = f.getAttribute('data-confirm');
  if (!q) return;
  var sel = f.querySelector('select[name=bank]');
  var exp = f.querySelector('input[name=expires]');
  q = q.replace('{bank}', sel && sel.selectedIndex >= 0 ? sel.options[sel.selectedIndex].text : '')
       .replace('{expires}', exp ? exp.value : '');
  if (!window.confirm(q)) e.preventDefault();
}, true);
// A page that takes a while to answer (a year's first 评价, 政策) never leaves the user without
// feedback: half a second after leaving a page a bar says the next one is loading.
window.addEventListener('beforeunload', function () {
  setTimeout(function () {
    if (document.querySelector('.page-loading')) return;
    var d = document.createElement('div');
    d.className = 'page-loading spinner';
    d.setAttribute('role', 'status');
    d.textContent = '正在加载，请稍候…（首次计算可能需要数秒）';
    document.body.appendChild(d);
    // a download answered instead of a page: the page stays, so the bar goes
    setTimeout(function () { d.remove(); }, 20000);
  }, 500);
});
window.addEventListener('pageshow', function () {
  var d = document.querySelector('.page-loading');
  if (d) d.remove();
});
