// The Grafana dashboards, as mixins ship them: file name to dashboard.
{
  local cfg = self._config,
  grafanaDashboards+:: {
    'soracom-fleet.json': (import 'dashboards/fleet.libsonnet')(cfg),
    'soracom-sim.json': (import 'dashboards/sim.libsonnet')(cfg),
  },
}
