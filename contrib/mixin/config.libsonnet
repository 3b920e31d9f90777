// The settings of the soracom_exporter mixin. Override any of them when
// importing it, e.g. in kube-prometheus:
//
//   (import 'soracom_exporter/mixin.libsonnet') + {
//     _config+:: {
//       exporterSelector: 'job="soracom-exporter"',
//       costBudgets: { JPY: 200000 },
//       disabledAlerts: ['SoracomSIMOnlineButSilent'],
//     },
//   }
{
  _config+:: {
    // Selects the exporter's HTTP scrape targets, for the exporter-down
    // alert. The textfile output reaches Prometheus through node_exporter,
    // so the SIM and source alerts do not filter by job.
    exporterSelector: 'job=~"soracom.*"',
    // The node_exporter textfile(s) written by `soracom_exporter --once`.
    textfileSelector: 'file=~"(.*/)?soracom[^/]*\\\\.prom"',
    // Extra matchers on soracom_sim_info for the SIM alerts, to watch part
    // of the fleet only, e.g. 'group="production"'. Empty: every SIM.
    simSelector: '',

    // SIM alerts.
    offlineFor: '15m',  // an active SIM without a data session this long
    flappingDropsPerHour: 4,  // session drops (or state changes / 2) in an hour
    flappingFor: '10m',
    silentWindow: '3h',  // online through the window, yet no byte either way
    silentFor: '15m',

    // Exporter alerts.
    exporterDownFor: '5m',
    sourceFailingFor: '15m',
    sourceStaleFor: '5m',
    rateLimitRemainingRatio: 0.1,
    rateLimitFor: '10m',
    textfileMaxAgeSeconds: 900,
    textfileStaleFor: '5m',

    // The monthly budget of each operator, per currency (the amount
    // without tax, as soracom_bill_amount reports it). Global coverage
    // bills in US dollars, Japan coverage in yen. A currency without a
    // budget is never alerted on.
    costBudgets: { JPY: 50000, USD: 500 },
    // Budgets of particular operators, replacing costBudgets for them:
    // { OP0012345678: { JPY: 200000 } }.
    costBudgetsByOperator: {},
    costForecastFor: '1h',

    // Alerts to leave out, by name.
    disabledAlerts: [],

    // Dashboards.
    dashboardTags: ['soracom', 'iot'],
    dashboardRefresh: '1m',
    fleetDashboardUID: 'soracom-fleet',
    simDashboardUID: 'soracom-sim',
  },
}
