// The fleet dashboard: sessions, network, traffic and charges of SORACOM
// fleets, and the health of soracom_exporter. Its tables link each SIM to
// the SIM dashboard (sim.libsonnet).
local d = import '../lib/dashboard.libsonnet';

function(cfg)
  // The SIMs selected by the dashboard's variables, on soracom_sim_info.
  local sims = 'operator_id=~"$operator", coverage=~"$coverage", group=~"$group"';
  local exporter = 'account=~"$account", coverage=~"$coverage"';
  local simColumns(value) = [['name', 'Name'], ['imsi', 'IMSI'], ['sim_id', 'SIM ID'], ['coverage', 'Coverage'], ['group', 'Group'], ['Value', value]];
  // Name and SIM ID cells open the SIM dashboard on that SIM, over the
  // same time range and data source.
  local simLinks = {
    local url = '/d/%s/?var-datasource=${datasource}&var-sim=${__data.fields["SIM ID"]}&${__url_time_range}' % cfg.simDashboardUID,
    fieldConfig+: { overrides+: [d.columnLink('Name', 'SIM detail', url), d.columnLink('SIM ID', 'SIM detail', url)] },
  };
  local changes = d.thresholds(['green', [4, 'orange'], [8, 'red']]) + { custom+: { cellOptions: { type: 'color-text' } } };

  d.dashboard(
    'SORACOM fleet',
    cfg.fleetDashboardUID,
    'SIM sessions, network, traffic and charges of SORACOM fleets, and the health of soracom_exporter.',
    cfg.dashboardTags,
    cfg.dashboardRefresh,
    [
      d.datasourceVariable,
      d.queryVariable('account', 'Account', 'label_values(soracom_up, account)'),
      // All operators of the selected accounts: per-SIM series carry the
      // operator, not the account.
      d.queryVariable('operator', 'Operator', 'label_values(soracom_up{account=~"$account"}, operator_id)', hide=2, allValue=null),
      d.queryVariable('coverage', 'Coverage', 'label_values(soracom_up{account=~"$account"}, coverage)'),
      d.queryVariable('group', 'Group', 'label_values(soracom_sim_info{operator_id=~"$operator", coverage=~"$coverage"}, group)'),
    ],
    [
      d.row('Fleet') + d.grid(0, 0, 24, 1),
      d.stat('SIMs online', 'SIMs with a data session now (soracom_sim_session_online).', [
        d.query('sum(group:soracom_sim_session_online:sum{%s})' % sims),
      ]) + d.grid(0, 1, 6, 4) + { fieldConfig+: { defaults+: d.fixedColor('green') } },
      d.stat('Active SIMs offline', 'Active SIMs without a data session now.', [
        d.query('sum(group:soracom_sims_active_offline:count{%s}) or vector(0)' % sims),
      ]) + d.grid(6, 1, 6, 4) + { fieldConfig+: { defaults+: d.thresholds(['green', [1, 'orange']]) } },
      d.stat('Active SIMs', 'SIMs whose status is active.', [
        d.query('sum(group:soracom_sims:count{%s, status="active"})' % sims),
      ]) + d.grid(12, 1, 6, 4),
      d.stat('Stale sources', 'Sources whose data is withdrawn because it is older than their max age (soracom_exporter_source_stale).', [
        d.query('sum(soracom_exporter_source_stale{%s})' % exporter),
      ]) + d.grid(18, 1, 6, 4) + { fieldConfig+: { defaults+: d.thresholds(['green', [1, 'red']]) } },
      d.timeseries('Online and offline SIMs', 'SIMs with a data session, and active SIMs without one, over time.', [
        d.query('sum(group:soracom_sim_session_online:sum{%s})' % sims, legend='online'),
        d.query('sum(group:soracom_sims_active_offline:count{%s}) or vector(0)' % sims, legend='offline (active)', refId='B'),
      ], fill=20) + d.grid(0, 5, 24, 8) + {
        fieldConfig+: {
          defaults+: { custom+: { stacking: { mode: 'normal', group: 'A' } } },
          overrides: [d.colored('online', 'green'), d.colored('offline (active)', 'orange')],
        },
      },
      d.table('Offline SIMs', 'Active SIMs without a data session, longest offline first, with the time their previous session ended.', d.query(|||
        sort(
          (
            soracom_sim_previous_session_end_timestamp_seconds * 1000
            * on (job, instance, sim_id) group_left (coverage, group) soracom_sim_info{%s, status="active"}
          )
          and on (job, instance, sim_id) (soracom_sim_session_online == 0)
        )
      ||| % sims, instant=true, table=true), simColumns('Offline since'), unit='dateTimeAsIso') + d.grid(0, 13, 12, 10) + simLinks,
      d.table('Session state changes per SIM (flapping)', "How often each SIM went online or offline in the time range, as the exporter's polls saw it; the flapping ones are on top.", d.query(|||
        topk(20,
          sum by (job, instance, sim_id) (changes(soracom_sim_session_online[$__range]))
          * on (job, instance, sim_id) group_left (name, imsi, coverage, group) soracom_sim_info{%s}
        )
      ||| % sims, instant=true, table=true), simColumns('Changes')) + d.grid(12, 13, 12, 10) + { fieldConfig+: { defaults+: changes } } + simLinks,
      d.table('Session drops per SIM (session log)', "Disconnections (Deleted session events) per SIM in the time range, from the SIMs' session logs.", d.query(|||
        topk(20,
          sum by (job, instance, sim_id) (increase(soracom_sim_session_events_total{event=~"(?i)deleted"}[$__range]))
          * on (job, instance, sim_id) group_left (name, imsi, coverage, group) soracom_sim_info{%s}
        )
      ||| % sims, instant=true, table=true), simColumns('Drops')) + d.grid(0, 23, 24, 8) + { fieldConfig+: { defaults+: changes { decimals: 0 } } } + simLinks,

      d.row('Network') + d.grid(0, 31, 24, 1),
      d.piechart('Radio type', "Radio access technology of the online SIMs' sessions.", [
        d.query('count by (radio_type) (soracom_sim_session_info * on (job, instance, sim_id) group_left () soracom_sim_info{%s})' % sims, legend='{{radio_type}}', instant=true),
      ]) + d.grid(0, 32, 8, 8),
      d.piechart('Networks (MCC-MNC)', 'Mobile networks the online SIMs are attached to.', [
        d.query('count by (mcc, mnc) (soracom_sim_session_info * on (job, instance, sim_id) group_left () soracom_sim_info{%s})' % sims, legend='{{mcc}}-{{mnc}}', instant=true),
      ]) + d.grid(8, 32, 8, 8),
      d.timeseries('Cell changes', 'Handovers between cells per hour across the selected SIMs.', [
        d.query('sum(rate(soracom_sim_cell_changes_total[$__rate_interval]) * on (job, instance, sim_id) group_left () soracom_sim_info{%s}) * 3600' % sims, legend='cell changes / h'),
      ]) + d.grid(16, 32, 8, 8),

      d.row('Traffic') + d.grid(0, 40, 24, 1),
      d.timeseries('Fleet traffic', 'Data traffic of every SIM of the selected operators and coverages, upload and download (fleet totals: the group filter does not apply).', [
        d.query('sum by (direction) (rate(soracom_air_bytes_total{operator_id=~"$operator", coverage=~"$coverage"}[$__rate_interval]))', legend='{{direction}}'),
      ], unit='Bps') + d.grid(0, 41, 12, 8),
      d.bargauge('Top talkers', 'SIMs with the most traffic (both directions) in the time range.', [
        d.query(|||
          topk(10,
            sum by (job, instance, sim_id) (increase(soracom_sim_air_bytes_total[$__range]))
            * on (job, instance, sim_id) group_left (name, imsi) soracom_sim_info{%s}
          )
        ||| % sims, legend='{{name}} ({{imsi}})', instant=true),
      ], unit='bytes') + d.grid(12, 41, 12, 8),
      d.timeseries('Traffic per SIM', 'Traffic of the ten busiest SIMs at each moment.', [
        d.query(|||
          topk(10,
            sum by (job, instance, sim_id) (rate(soracom_sim_air_bytes_total[$__rate_interval]))
            * on (job, instance, sim_id) group_left (name) soracom_sim_info{%s}
          )
        ||| % sims, legend='{{name}}'),
      ], unit='Bps') + d.grid(0, 49, 24, 8),

      d.row('Cost') + d.grid(0, 57, 24, 1),
      d.timeseries('Charges this month, forecast and budget', 'Month-to-date charges of the selected operators (all coverages), the month-end forecast and the budget (costBudgets of the mixin config, recorded as operator:soracom_bill_budget:amount).', [
        d.query('operator:soracom_bill_amount:sum{operator_id=~"$operator"}', legend='month to date {{operator_id}} ({{currency}})'),
        d.query('operator:soracom_bill_amount:forecast_month_end{operator_id=~"$operator"}', legend='forecast {{operator_id}} ({{currency}})', refId='B'),
        d.query('operator:soracom_bill_budget:amount{operator_id=~"$operator"}', legend='budget {{operator_id}} ({{currency}})', refId='C'),
      ], fill=0) + d.grid(0, 58, 12, 8) + {
        fieldConfig+: {
          defaults+: { custom+: { lineWidth: 2 } },
          overrides: [
            d.dashed('budget.*', 'red'),
            { matcher: { id: 'byRegexp', options: 'forecast.*' }, properties: [{ id: 'custom.lineStyle', value: { fill: 'dot', dash: [2, 6] } }] },
          ],
        },
      },
      d.stat('Forecast against budget', 'Month-end forecast as a share of the budget.', [
        d.query(|||
          operator:soracom_bill_amount:forecast_month_end{operator_id=~"$operator"}
          / on (operator_id, currency)
          operator:soracom_bill_budget:amount{operator_id=~"$operator"}
        |||, legend='{{operator_id}} ({{currency}})'),
      ], unit='percentunit') + d.grid(12, 58, 4, 8) + { fieldConfig+: { defaults+: d.thresholds(['green', [0.9, 'orange'], [1, 'red']]) } },
      d.table('SIMs by charges', 'The selected SIMs that cost most this month.', d.query(
        'topk(10, soracom_sim_bill_amount * on (job, instance, sim_id) group_left (name, imsi) soracom_sim_info{%s})' % sims, instant=true, table=true
      ), [['name', 'Name'], ['imsi', 'IMSI'], ['sim_id', 'SIM ID'], ['Value', 'Charges'], ['currency', 'Currency']]) + d.grid(16, 58, 8, 8) + simLinks,
      d.bargauge('Charges by item', "This month's charges per billing item.", [
        d.query('sort_desc(sum without (job, instance) (soracom_bill_item_amount{operator_id=~"$operator", coverage=~"$coverage"}))', legend='{{coverage}} {{category}} / {{item}} ({{currency}})', instant=true),
      ]) + d.grid(0, 66, 24, 8),

      d.row('Exporter') + d.grid(0, 74, 24, 1),
      d.timeseries('Age of source data', "Time since each source's last successful poll, against its max age (older data is withdrawn).", [
        d.query('time() - soracom_exporter_source_last_success_timestamp_seconds{%s}' % exporter, legend='{{source}} {{account}}/{{coverage}}'),
        d.query('max by (source) (soracom_exporter_source_max_age_seconds{%s})' % exporter, legend='max age {{source}}', refId='B'),
      ], unit='s', fill=0) + d.grid(0, 75, 8, 8) + { fieldConfig+: { overrides: [d.dashed('max age.*', 'red')] } },
      d.timeseries('API requests by status', 'Requests to the SORACOM API per second, by HTTP status (error: no answer).', [
        d.query('sum by (code) (rate(soracom_exporter_api_requests_total{%s}[$__rate_interval]))' % exporter, legend='{{code}}'),
      ], unit='reqps') + d.grid(8, 75, 8, 8),
      d.timeseries('API errors and retries', 'Failed requests (not 2xx) and retried requests per second, by operation; zero when there are none.', [
        d.query(|||
          sum by (operation) (rate(soracom_exporter_api_requests_total{%(e)s, code!~"2.."}[$__rate_interval]))
          or
          sum by (operation) (rate(soracom_exporter_api_requests_total{%(e)s}[$__rate_interval])) * 0
        ||| % { e: exporter }, legend='errors {{operation}}'),
        d.query(|||
          sum by (operation) (rate(soracom_exporter_api_retries_total{%(e)s}[$__rate_interval]))
          or
          sum by (operation) (rate(soracom_exporter_api_requests_total{%(e)s}[$__rate_interval])) * 0
        ||| % { e: exporter }, legend='retries {{operation}}', refId='B'),
      ], unit='reqps') + d.grid(16, 75, 8, 8),
      d.timeseries('Rate-limit headroom', 'Requests left in the current rate-limit window, as the API last reported them (X-Soracom-Ratelimit-Remaining), lowest per operation.', [
        d.query('min by (operation) (soracom_exporter_api_ratelimit_remaining{%s})' % exporter, legend='{{operation}}'),
      ]) + d.grid(0, 83, 8, 8),
      d.timeseries('Poll duration', "How long each source's last poll took.", [
        d.query('soracom_exporter_source_duration_seconds{%s}' % exporter, legend='{{source}} {{account}}/{{coverage}}'),
      ], unit='s') + d.grid(8, 83, 8, 8),
      d.stat('Failed polls and authentications', 'Failed polls and failed or rejected authentications in the time range.', [
        d.query('sum(increase(soracom_exporter_source_failures_total{%s}[$__range]))' % exporter, legend='failed polls'),
        d.query('sum(increase(soracom_exporter_auth_total{%s, result!="success"}[$__range]))' % exporter, legend='failed authentications', refId='B'),
      ]) + d.grid(16, 83, 8, 8) + { fieldConfig+: { defaults+: d.thresholds(['green', [1, 'red']]) { decimals: 0 } } },
    ],
  )
