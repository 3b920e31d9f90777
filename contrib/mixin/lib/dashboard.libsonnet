// Grafana dashboard building blocks: panels with every option Grafana's
// schema requires, Prometheus queries through the dashboard's datasource
// variable, and ids assigned in order.
{
  datasource:: { type: 'prometheus', uid: '${datasource}' },

  // A Prometheus query: a range query for graphs, instant for tables.
  query(expr, legend='__auto', refId='A', instant=false, table=false):: {
    datasource: $.datasource,
    refId: refId,
    expr: expr,
    legendFormat: legend,
    editorMode: 'code',
    range: !instant,
    instant: instant,
  } + (if table then { format: 'table' } else {}),

  grid(x, y, w, h):: { gridPos: { h: h, w: w, x: x, y: y } },

  thresholds(steps):: {
    color: { mode: 'thresholds' },
    thresholds: {
      mode: 'absolute',
      steps: [{ color: steps[0], value: null }] + [
        { color: s[1], value: s[0] }
        for s in steps[1:]
      ],
    },
  },

  fixedColor(color):: { color: { mode: 'fixed', fixedColor: color } },

  local legend = { displayMode: 'list', placement: 'bottom', showLegend: true, calcs: [] },
  local tooltip = { mode: 'multi', sort: 'desc' },
  local reduce = { calcs: ['lastNotNull'], fields: '', values: false },

  panel(type, title, description, targets, unit='none'):: {
    type: type,
    title: title,
    description: description,
    datasource: $.datasource,
    targets: targets,
    fieldConfig: { defaults: { unit: unit }, overrides: [] },
  },

  row(title):: { type: 'row', title: title, collapsed: false, panels: [] },

  stat(title, description, targets, unit='none'):: $.panel('stat', title, description, targets, unit) + {
    options: {
      reduceOptions: reduce,
      colorMode: 'value',
      graphMode: 'area',
      textMode: 'auto',
      justifyMode: 'auto',
      orientation: 'auto',
      wideLayout: true,
      showPercentChange: false,
      percentChangeColorMode: 'standard',
    },
  },

  timeseries(title, description, targets, unit='none', fill=10):: $.panel('timeseries', title, description, targets, unit) + {
    fieldConfig+: { defaults+: { custom: { drawStyle: 'line', lineWidth: 1, fillOpacity: fill, showPoints: 'never', spanNulls: false } } },
    options: { legend: legend, tooltip: tooltip },
  },

  // A series name matched by regexp drawn as a dashed line of a color.
  dashed(regexp, color):: {
    matcher: { id: 'byRegexp', options: regexp },
    properties: [
      { id: 'color', value: { mode: 'fixed', fixedColor: color } },
      { id: 'custom.lineStyle', value: { fill: 'dash', dash: [10, 10] } },
    ],
  },

  colored(name, color):: {
    matcher: { id: 'byName', options: name },
    properties: [{ id: 'color', value: { mode: 'fixed', fixedColor: color } }],
  },

  // A table of one instant query: the columns to show in order, with their
  // titles ({label: title}); every other label is hidden.
  table(title, description, target, columns, unit='none'):: $.panel('table', title, description, [target], unit) + {
    fieldConfig+: { defaults+: { custom: { align: 'auto', inspect: false, cellOptions: { type: 'auto' } } } },
    options: {
      showHeader: true,
      cellHeight: 'sm',
      frameIndex: 0,
      footer: { show: false, reducer: ['sum'], fields: '' },
    },
    transformations: [{
      id: 'organize',
      options: {
        excludeByName: { Time: true, job: true, instance: true, __name__: true, group_id: true },
        indexByName: { [columns[i][0]]: i for i in std.range(0, std.length(columns) - 1) },
        renameByName: { [c[0]]: c[1] for c in columns },
      },
    }],
  },

  // Cells of a table column link to another dashboard.
  columnLink(column, title, url):: {
    matcher: { id: 'byName', options: column },
    properties: [{ id: 'links', value: [{ title: title, url: url }] }],
  },

  piechart(title, description, targets):: $.panel('piechart', title, description, targets) + {
    fieldConfig: { defaults: {}, overrides: [] },
    options: {
      reduceOptions: reduce,
      pieType: 'donut',
      legend: legend { displayMode: 'table', placement: 'right', values: ['value', 'percent'] },
      tooltip: { mode: 'single', sort: 'none' },
      orientation: 'auto',
    },
  },

  bargauge(title, description, targets, unit='none'):: $.panel('bargauge', title, description, targets, unit) + {
    options: {
      reduceOptions: reduce,
      orientation: 'horizontal',
      displayMode: 'basic',
      valueMode: 'color',
      namePlacement: 'auto',
      showUnfilled: true,
      sizing: 'auto',
      minVizWidth: 8,
      minVizHeight: 16,
      maxVizHeight: 300,
      legend: legend { showLegend: false },
    },
  },

  // A row per series over time, colored by value (e.g. online/offline).
  stateTimeline(title, description, targets, mappings=[]):: $.panel('state-timeline', title, description, targets) + {
    fieldConfig+: { defaults+: { mappings: mappings, custom: { lineWidth: 0, fillOpacity: 80 } } },
    options: {
      mergeValues: true,
      showValue: 'auto',
      alignValue: 'left',
      rowHeight: 0.9,
      legend: legend,
      tooltip: tooltip,
    },
  },

  valueMapping(value, text, color):: {
    type: 'value',
    options: { [std.toString(value)]: { text: text, color: color } },
  },

  // The dashboard's panels with their ids: 1, 2, … in order.
  withIds(panels):: [panels[i] { id: i + 1 } for i in std.range(0, std.length(panels) - 1)],

  datasourceVariable:: {
    type: 'datasource',
    name: 'datasource',
    label: 'Data source',
    query: 'prometheus',
    refresh: 1,
    regex: '',
    hide: 0,
    current: { text: '', value: '' },
    options: [],
    multi: false,
    includeAll: false,
  },

  // A query variable listing label values: All by default.
  queryVariable(name, label, query, hide=0, allValue='.*', multi=true):: {
    type: 'query',
    name: name,
    label: label,
    datasource: $.datasource,
    definition: query,
    query: { qryType: 1, query: query, refId: 'PrometheusVariableQueryEditor-VariableQuery' },
    refresh: 2,
    sort: 1,
    multi: multi,
    includeAll: multi,
    hide: hide,
    current: if multi then { selected: true, text: ['All'], value: ['$__all'] } else { text: '', value: '' },
    options: [],
    regex: '',
  } + (if allValue != null then { allValue: allValue } else {}),

  dashboard(title, uid, description, tags, refresh, variables, panels):: {
    title: title,
    uid: uid,
    description: description,
    tags: tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: refresh,
    time: { from: 'now-6h', to: 'now' },
    timepicker: {},
    timezone: '',
    fiscalYearStartMonth: 0,
    liveNow: false,
    links: [],
    annotations: {
      list: [{
        builtIn: 1,
        datasource: { type: 'grafana', uid: '-- Grafana --' },
        enable: true,
        hide: true,
        iconColor: 'rgba(0, 211, 255, 1)',
        name: 'Annotations & Alerts',
        type: 'dashboard',
      }],
    },
    templating: { list: variables },
    panels: $.withIds(panels),
  },
}
