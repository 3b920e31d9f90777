// Recording rules: the fleet aggregates the dashboards and alerts use, and
// the monthly budgets from _config.
//
// Per-SIM series carry sim_id, imsi and name; the inventory labels
// (operator_id, coverage, group_id, group, status) live on soracom_sim_info
// and are joined on (job, instance, sim_id), so the same SIM scraped by two
// jobs (HTTP and textfile) never makes a join ambiguous.
{
  local cfg = self._config,

  prometheusRules+:: {
    groups+: [
      {
        name: 'soracom_budget.rules',
        // The monthly budget per operator and currency, as a recorded series
        // the cost alerts and the dashboard compare against: one rule per
        // currency for every operator billed in it, and one per operator
        // with a budget of its own (excluded from the currency's rule).
        local overridden(currency) = std.sort([
          op
          for op in std.objectFields(cfg.costBudgetsByOperator)
          if std.objectHas(cfg.costBudgetsByOperator[op], currency)
        ]),
        // The labels the series has anyway, also set as the rule's labels:
        // they tell the rules recording one name apart.
        local budget(amount, labels, matchers) = {
          record: 'operator:soracom_bill_budget:amount',
          expr: 'sum by (operator_id, currency) (soracom_bill_amount{%s}) * 0 + %s' % [std.join(', ', matchers), amount],
          labels: labels,
        },
        rules: [
          budget(cfg.costBudgets[currency], { currency: currency }, ['currency="%s"' % currency] +
                                            (if overridden(currency) == [] then [] else ['operator_id!~"%s"' % std.join('|', overridden(currency))]))
          for currency in std.objectFields(cfg.costBudgets)
        ] + [
          budget(cfg.costBudgetsByOperator[op][currency], { operator_id: op, currency: currency }, ['operator_id="%s"' % op, 'currency="%s"' % currency])
          for op in std.objectFields(cfg.costBudgetsByOperator)
          for currency in std.objectFields(cfg.costBudgetsByOperator[op])
        ],
      },
      {
        name: 'soracom_fleet.rules',
        rules: [
          {
            // SIMs with a data session, per group.
            record: 'group:soracom_sim_session_online:sum',
            expr: |||
              sum by (operator_id, coverage, group_id, group) (
                soracom_sim_session_online
                * on (job, instance, sim_id) group_left (operator_id, coverage, group_id, group)
                  soracom_sim_info
              )
            |||,
          },
          {
            // Active SIMs without a data session, per group: the "offline"
            // line of the dashboard (SIMs that are not active are not
            // expected online).
            record: 'group:soracom_sims_active_offline:count',
            expr: |||
              count by (operator_id, coverage, group_id, group) (
                (soracom_sim_session_online == 0)
                * on (job, instance, sim_id) group_left (operator_id, coverage, group_id, group)
                  soracom_sim_info{status="active"}
              )
            |||,
          },
          {
            // SIMs per group and status.
            record: 'group:soracom_sims:count',
            expr: 'count by (operator_id, coverage, group_id, group, status) (soracom_sim_info)',
          },
        ],
      },
      {
        name: 'soracom_sessions.rules',
        rules: [
          {
            // Session drops per SIM over the last hour, from the session log
            // (Deleted events; matched case-insensitively).
            record: 'sim:soracom_sim_session_drops:increase1h',
            expr: |||
              sum by (job, instance, sim_id) (
                increase(soracom_sim_session_events_total{event=~"(?i)deleted"}[1h])
              )
            |||,
          },
          {
            // Session state changes seen by the exporter's polls over the
            // last hour, halved: an estimate of drops when the session log
            // is not collected (a drop and a reconnect between two polls go
            // unseen).
            record: 'sim:soracom_sim_session_flaps:changes1h',
            expr: |||
              sum by (job, instance, sim_id) (changes(soracom_sim_session_online[1h])) / 2
            |||,
          },
        ],
      },
      {
        name: 'soracom_traffic.rules',
        rules: [
          {
            // Data traffic per group and direction, bytes per second.
            record: 'group:soracom_sim_air_bytes:rate15m',
            expr: |||
              sum by (operator_id, coverage, group_id, group, direction) (
                rate(soracom_sim_air_bytes_total[15m])
                * on (job, instance, sim_id) group_left (operator_id, coverage, group_id, group)
                  soracom_sim_info
              )
            |||,
          },
        ],
      },
      {
        name: 'soracom_cost.rules',
        rules: [
          {
            // Month-to-date charges per operator and currency, all coverages.
            record: 'operator:soracom_bill_amount:sum',
            expr: 'sum by (operator_id, currency) (soracom_bill_amount)',
          },
          {
            // Month-end forecast. From the third day of the month: the trend
            // of the last two days (predict_linear) carried to the end of the
            // month, so a SIM that started sending a lot yesterday shows up
            // now. Before that the window would reach into the previous
            // month, whose total dropped to zero at the turn of the month, so
            // the month-to-date amount is scaled by the elapsed part of the
            // month instead. Month boundaries are UTC.
            record: 'operator:soracom_bill_amount:forecast_month_end',
            expr: |||
              (
                predict_linear(operator:soracom_bill_amount:sum[2d],
                  scalar((days_in_month() - day_of_month()) * 86400 + 86400 - time() % 86400))
                and on () (day_of_month() > 2)
              )
              or
              (
                operator:soracom_bill_amount:sum
                / scalar(((day_of_month() - 1) * 86400 + time() % 86400) / (days_in_month() * 86400))
              )
            |||,
          },
        ],
      },
    ],
  },
}
