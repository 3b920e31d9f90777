// Alerts on soracom_exporter itself, on individual SIMs and on charges.
// Every alert has a severity, a summary, a description and a runbook; a SIM
// alert names the SIM by name and IMSI and carries its inventory labels
// (operator_id, coverage, group_id, group) for routing.
local util = import 'lib/util.libsonnet';

{
  local cfg = self._config,
  local simInfo(matchers) = util.selector('soracom_sim_info', matchers + [cfg.simSelector]),
  local simGroup = '{{ with $labels.group }}, group {{ . }}{{ else }}{{ with $labels.group_id }}, group {{ . }}{{ end }}{{ end }}',
  local simName = 'SIM {{ with $labels.name }}{{ . }}{{ else }}(unnamed){{ end }} (IMSI {{ $labels.imsi }})',
  local topSIMs = '{{ with printf "topk(3, soracom_sim_bill_amount{currency=%q} * on (job, instance, sim_id) group_left (name, imsi) soracom_sim_info{operator_id=%q})" $labels.currency $labels.operator_id | query }} Most expensive SIMs:{{ range . }} {{ .Labels.name }} (IMSI {{ .Labels.imsi }}) {{ .Value | printf "%.0f" }};{{ end }}{{ end }}',
  local budgetOf = '{{ with printf "operator:soracom_bill_budget:amount{operator_id=%q,currency=%q}" $labels.operator_id $labels.currency | query }}, budget {{ . | first | value | printf "%.0f" }}{{ end }}',

  local known = [
    'SoracomExporterDown',
    'SoracomSourceFailing',
    'SoracomSourceStale',
    'SoracomAuthRejected',
    'SoracomAPIRateLimitNearlyExhausted',
    'SoracomAPIRateLimited',
    'SoracomTextfileStale',
    'SoracomSIMOffline',
    'SoracomSIMFlapping',
    'SoracomSIMOnlineButSilent',
    'SoracomSIMIMEIChanged',
    'SoracomCostOverBudget',
    'SoracomCostForecastOverBudget',
  ],
  assert std.all([std.member(known, a) for a in cfg.disabledAlerts]) :
         'disabledAlerts names an alert the mixin does not have: %s (alerts: %s)' % [
    std.join(', ', [a for a in cfg.disabledAlerts if !std.member(known, a)]),
    std.join(', ', known),
  ],
  local enabled(rules) = [r for r in rules if !std.member(cfg.disabledAlerts, r.alert)],

  prometheusAlerts+:: {
    groups+: [
      {
        // Without these, a broken exporter looks like a quiet fleet.
        name: 'soracom_exporter.alerts',
        rules: enabled([
          {
            alert: 'SoracomExporterDown',
            expr: 'up{%s} == 0' % cfg.exporterSelector,
            'for': cfg.exporterDownFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'soracom_exporter {{ $labels.instance }} cannot be scraped',
              description: 'Prometheus job {{ $labels.job }} has failed to scrape {{ $labels.instance }} for %s: no SIM metrics arrive, and SIM alerts cannot fire.' % util.words(cfg.exporterDownFor),
              runbook: "systemctl status soracom_exporter; journalctl -u soracom_exporter. Check that it listens on the scraped address and that --web.config.file matches the scrape's TLS and basic auth.",
            },
          },
          {
            alert: 'SoracomSourceFailing',
            expr: 'soracom_exporter_source_success == 0',
            'for': cfg.sourceFailingFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'soracom_exporter source {{ $labels.source }} of account {{ $labels.account }} ({{ $labels.coverage }}) is failing',
              description: "Every poll of source {{ $labels.source }} for account {{ $labels.account }}, coverage {{ $labels.coverage }}, has failed for %s. The last good data is served until it is older than the source's max age." % util.words(cfg.sourceFailingFor),
              runbook: "The exporter's landing page and its log show the last error. API errors: soracom_exporter_api_requests_total by code; bad credentials: soracom_exporter_auth_total{result=\"rejected\"}; SAM permissions missing: 403 answers.",
            },
          },
          {
            alert: 'SoracomSourceStale',
            expr: 'soracom_exporter_source_stale == 1',
            'for': cfg.sourceStaleFor,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'soracom_exporter has no current data from source {{ $labels.source }} of account {{ $labels.account }} ({{ $labels.coverage }})',
              description: 'The data of source {{ $labels.source }} for account {{ $labels.account }}, coverage {{ $labels.coverage }}, is older than its max age or was never fetched, so it is withdrawn: the SIMs it covers are missing from Prometheus and their alerts cannot fire.',
              runbook: "Same causes as SoracomSourceFailing; if polls succeed but take longer than the interval (soracom_exporter_source_duration_seconds), raise the source's interval and max age.",
            },
          },
          {
            alert: 'SoracomAuthRejected',
            expr: 'increase(soracom_exporter_auth_total{result="rejected"}[15m]) > 0',
            labels: { severity: 'critical' },
            annotations: {
              summary: 'SORACOM refuses the credentials of account {{ $labels.account }} ({{ $labels.coverage }})',
              description: 'Authentication of account {{ $labels.account }} on coverage {{ $labels.coverage }} was rejected in the last 15 minutes: the AuthKey was deleted or disabled, or the SAM user lost its permissions.',
              runbook: "Create a new AuthKey for the exporter's SAM user, put the secret in the credential file and restart the exporter (see README: Running it for real).",
            },
          },
          {
            // Share of the current rate-limit window still left, as the API
            // last reported it for this operation. The exporter paces itself
            // by these headers, so a low value means polls are being slowed.
            alert: 'SoracomAPIRateLimitNearlyExhausted',
            expr: 'soracom_exporter_api_ratelimit_remaining / soracom_exporter_api_ratelimit_limit < %s' % cfg.rateLimitRemainingRatio,
            'for': cfg.rateLimitFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'SORACOM API rate limit of {{ $labels.operation }} nearly used up for account {{ $labels.account }} ({{ $labels.coverage }})',
              description: 'Only {{ $value | humanizePercentage }} of the requests to {{ $labels.operation }} remain in the current window for account {{ $labels.account }}, coverage {{ $labels.coverage }}, for %s. Rate limits are per operator and API path: another client of the same operator (a script, soracom-cli, a second exporter) shares them.' % util.words(cfg.rateLimitFor),
              runbook: "Lengthen the intervals of the sources that call this operation, or find the other client using the same operator's limit.",
            },
          },
          {
            alert: 'SoracomAPIRateLimited',
            expr: 'sum by (job, instance, account, coverage, operation) (increase(soracom_exporter_api_requests_total{code="429"}[15m])) > 0',
            labels: { severity: 'warning' },
            annotations: {
              summary: 'SORACOM API answered 429 to {{ $labels.operation }} for account {{ $labels.account }} ({{ $labels.coverage }})',
              description: '{{ $value | printf "%.0f" }} requests to {{ $labels.operation }} were refused for exceeding the rate limit in the last 15 minutes (account {{ $labels.account }}, coverage {{ $labels.coverage }}). The exporter waits and retries, so polls take longer.',
              runbook: "Lengthen the source intervals, or find the other client using the same operator's limit.",
            },
          },
          {
            // Only when the metrics reach Prometheus as a node_exporter
            // textfile written by `soracom_exporter --once` from a timer.
            alert: 'SoracomTextfileStale',
            expr: 'time() - node_textfile_mtime_seconds{%s} > %d' % [cfg.textfileSelector, cfg.textfileMaxAgeSeconds],
            'for': cfg.textfileStaleFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'The soracom_exporter textfile on {{ $labels.instance }} is {{ $value | humanizeDuration }} old',
              description: '{{ $labels.file }} has not been rewritten for {{ $value | humanizeDuration }}: the timer stopped or every run fails (a failed run leaves the previous file in place).',
              runbook: 'systemctl list-timers soracom_exporter-textfile.timer; journalctl -u soracom_exporter-textfile.service',
            },
          },
        ]),
      },
      {
        name: 'soracom_sims.alerts',
        rules: enabled([
          {
            // The value is the time since the previous session ended. Only
            // active SIMs that have had a session are considered: a SIM that
            // never connected has nothing to lose.
            alert: 'SoracomSIMOffline',
            expr: |||
              (
                (time() - soracom_sim_previous_session_end_timestamp_seconds)
                * on (job, instance, sim_id) group_left (operator_id, coverage, group_id, group)
                  %s
              )
              and on (job, instance, sim_id)
              (soracom_sim_session_online == 0)
            ||| % simInfo(['status="active"']),
            'for': cfg.offlineFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: simName + ' offline for {{ $value | humanizeDuration }}',
              description: 'SIM {{ $labels.sim_id }} of operator {{ $labels.operator_id }}, coverage {{ $labels.coverage }}' + simGroup + ', is active but has had no data session for {{ $value | humanizeDuration }}.',
              runbook: 'Offline points at the device side: power, antenna, radio coverage where it stands, or a modem that gave up. soracom_sim_last_location_update_timestamp_seconds tells whether it still registers with the network; restart the device if it does.',
            },
          },
          {
            // Session drops from the session log when that is collected,
            // otherwise online/offline changes seen by the polls.
            alert: 'SoracomSIMFlapping',
            expr: |||
              (
                sim:soracom_sim_session_drops:increase1h >= %(n)d
                or
                sim:soracom_sim_session_flaps:changes1h >= %(n)d
              )
              * on (job, instance, sim_id) group_left (name, imsi, operator_id, coverage, group_id, group)
                %(info)s
            ||| % { n: cfg.flappingDropsPerHour, info: simInfo([]) },
            'for': cfg.flappingFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: simName + ' dropped its session {{ $value | printf "%.0f" }} times in the last hour',
              description: 'SIM {{ $labels.sim_id }} of operator {{ $labels.operator_id }}, coverage {{ $labels.coverage }}' + simGroup + ', keeps connecting and disconnecting.',
              runbook: "A flapping session is usually weak or changing signal (check the cell and radio type in soracom_sim_session_info), a power supply that browns out, or a device that reconnects on an application timer. Look at the SIM's session log in the SORACOM console.",
            },
          },
          {
            // Online through the whole window, yet no byte up or down. The
            // window starts only where traffic data is at least that old, so
            // a restarted exporter or Prometheus does not fire at once.
            alert: 'SoracomSIMOnlineButSilent',
            expr: |||
              (
                (min_over_time(soracom_sim_session_online[%(w)s]) == 1)
                and on (job, instance, sim_id)
                (sum by (job, instance, sim_id) (increase(soracom_sim_air_bytes_total[%(w)s])) == 0)
                and on (job, instance, sim_id)
                (sum by (job, instance, sim_id) (soracom_sim_air_bytes_total offset %(w)s))
              )
              * on (job, instance, sim_id) group_left (operator_id, coverage, group_id, group)
                %(info)s
            ||| % { w: cfg.silentWindow, info: simInfo(['status="active"']) },
            'for': cfg.silentFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: simName + ' is online but has sent nothing for %s' % util.words(cfg.silentWindow),
              description: 'SIM {{ $labels.sim_id }} of operator {{ $labels.operator_id }}, coverage {{ $labels.coverage }}' + simGroup + ', holds a data session but no traffic went either way in the last %s.' % util.words(cfg.silentWindow),
              runbook: 'The network side is fine: the session is up. Look at the device: its application or OS has stopped, hangs, or lost its configuration (APN, endpoint). Restart the application or the device.',
            },
          },
          {
            // The SIM appeared in another device: a swap in the field, or a
            // stolen SIM. Fires for an hour after the change.
            alert: 'SoracomSIMIMEIChanged',
            expr: |||
              (sum by (job, instance, sim_id) (increase(soracom_sim_imei_changes_total[1h])) > 0)
              * on (job, instance, sim_id) group_left (name, imsi, operator_id, coverage, group_id, group)
                %s
            ||| % simInfo([]),
            labels: { severity: 'warning' },
            annotations: {
              summary: simName + ' is used in another device',
              description: 'The IMEI of SIM {{ $labels.sim_id }} (operator {{ $labels.operator_id }}, coverage {{ $labels.coverage }}) changed in the last hour{{ with printf "soracom_sim_session_info{sim_id=%q}" $labels.sim_id | query }}{{ with . | first | label "imei" }}; it is now in the device with IMEI {{ . }}{{ end }}{{ end }}.',
              runbook: 'If nobody swapped the device, suspend the SIM now (SORACOM console or API) and lock it to its IMEI with an IMEI lock; then find out where it went.',
            },
          },
        ]),
      },
      {
        // Charges against the budgets of _config (recorded as
        // operator:soracom_bill_budget:amount). The amounts are the
        // preliminary charges of the current month (GET /v1/bills/latest).
        name: 'soracom_cost.alerts',
        rules: enabled([
          {
            alert: 'SoracomCostOverBudget',
            expr: |||
              operator:soracom_bill_amount:sum
                > on (operator_id, currency)
              operator:soracom_bill_budget:amount
            |||,
            labels: { severity: 'critical' },
            annotations: {
              summary: 'SORACOM charges of {{ $labels.operator_id }} this month are {{ $value | printf "%.0f" }} {{ $labels.currency }}, over budget',
              description: 'Month-to-date charges of operator {{ $labels.operator_id }}: {{ $value | printf "%.0f" }} {{ $labels.currency }}' + budgetOf + '.' + topSIMs,
              runbook: 'Find the SIMs that cost most (dashboard: Cost) and what they send; lower their speed class, suspend runaway devices, or raise the budget (costBudgets in the mixin config).',
            },
          },
          {
            // Not yet over budget, but heading there by the end of the
            // month. From the third day of the month only: earlier the
            // forecast is a guess.
            alert: 'SoracomCostForecastOverBudget',
            expr: |||
              (
                operator:soracom_bill_amount:forecast_month_end
                  > on (operator_id, currency)
                operator:soracom_bill_budget:amount
              )
              and on () (day_of_month() > 2)
              unless on (operator_id, currency)
              (
                operator:soracom_bill_amount:sum
                  > on (operator_id, currency)
                operator:soracom_bill_budget:amount
              )
            |||,
            'for': cfg.costForecastFor,
            labels: { severity: 'warning' },
            annotations: {
              summary: 'SORACOM charges of {{ $labels.operator_id }} are heading for {{ $value | printf "%.0f" }} {{ $labels.currency }} this month, over budget',
              description: 'Forecast for the end of the month for operator {{ $labels.operator_id }}: {{ $value | printf "%.0f" }} {{ $labels.currency }}' + budgetOf + '{{ with printf "operator:soracom_bill_amount:sum{operator_id=%q,currency=%q}" $labels.operator_id $labels.currency | query }}, {{ . | first | value | printf "%.0f" }} so far{{ end }}.' + topSIMs,
              runbook: 'Find the SIMs whose traffic grew (dashboard: Traffic, top talkers) before the month ends; lower their speed class or fix the device sending too much.',
            },
          },
        ]),
      },
    ],
  },
}
