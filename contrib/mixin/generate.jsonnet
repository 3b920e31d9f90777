// The files under contrib/prometheus/rules and contrib/grafana, generated
// from the mixin with its default _config:
//   jsonnet -J contrib/mixin -S -m contrib contrib/mixin/generate.jsonnet
// (make mixin). Edit the mixin, never the generated files.
local mixin = import 'mixin.libsonnet';

local header(what) =
  '# Generated from contrib/mixin (make mixin); edit the mixin, not this file.\n' +
  std.join('', ['# ' + l + '\n' for l in std.split(std.rstripChars(what, '\n'), '\n')]);

local groups(all, names) = [g for g in all if std.member(names, g.name) && g.rules != []];

local ruleFile(what, all, names) =
  header(what) + std.manifestYamlDoc({ groups: groups(all, names) }, indent_array_in_object=true, quote_keys=false);

local alerts = mixin.prometheusAlerts.groups;
local rules = mixin.prometheusRules.groups;

{
  'prometheus/rules/soracom_budget.yml': ruleFile(|||
    The monthly budget per operator and currency (costBudgets and
    costBudgetsByOperator of the mixin config), as a recorded series the
    cost alerts and the dashboard compare against.
  |||, rules, ['soracom_budget.rules']),
  'prometheus/rules/soracom_recording.yml': ruleFile(|||
    Recording rules: the fleet aggregates the dashboards and the alerts use.
    Inventory labels are joined from soracom_sim_info on (job, instance, sim_id).
  |||, rules, ['soracom_fleet.rules', 'soracom_sessions.rules', 'soracom_traffic.rules', 'soracom_cost.rules']),
  'prometheus/rules/soracom_exporter.yml': ruleFile(|||
    Alerts on soracom_exporter itself: without these, a broken exporter looks
    like a quiet fleet. The scrape job is expected to be named "soracom" (or
    to start with it), as in the README's scrape configuration.
  |||, alerts, ['soracom_exporter.alerts']),
  'prometheus/rules/soracom_sims.yml': ruleFile(|||
    Alerts on individual SIMs. Each carries the SIM's sim_id, imsi and name
    and its inventory labels (operator_id, coverage, group_id, group) for
    routing. Thresholds, the SIMs watched and the alerts on are set in the
    mixin config.
  |||, alerts, ['soracom_sims.alerts']),
  'prometheus/rules/soracom_cost.yml': ruleFile(|||
    Alerts on SORACOM charges against the budgets of soracom_budget.yml.
    Operators billed in a currency without a budget are never alerted on.
  |||, alerts, ['soracom_cost.alerts']),
} + {
  ['grafana/' + name]: std.manifestJsonEx(mixin.grafanaDashboards[name], '  ') + '\n'
  for name in std.objectFields(mixin.grafanaDashboards)
}
