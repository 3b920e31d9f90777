// The SIM dashboard: one SIM, picked by name, IMSI or SIM ID: its session
// timeline and events, radio type and cell over time, traffic, charges and
// inventory. The fleet dashboard's tables link here with var-sim set.
local d = import '../lib/dashboard.libsonnet';

function(cfg)
  local sim = 'sim_id="$sim"';
  // Every SIM whose name, IMSI or SIM ID contains the search text, shown as
  // "name · IMSI · SIM ID" and selected by SIM ID.
  local simQuery = |||
    query_result(label_join(group by (sim_id, imsi, name) (soracom_sim_info{name=~"(?i).*$search.*"} or soracom_sim_info{imsi=~".*$search.*"} or soracom_sim_info{sim_id=~".*$search.*"}), "display", " · ", "name", "imsi", "sim_id"))
  |||;
  local onlineMappings = [d.valueMapping(1, 'online', 'green'), d.valueMapping(0, 'offline', 'red')];

  d.dashboard(
    'SORACOM SIM',
    cfg.simDashboardUID,
    'One SIM of a SORACOM fleet: session timeline and events, radio type and cell, traffic, charges and inventory.',
    cfg.dashboardTags,
    cfg.dashboardRefresh,
    [
      d.datasourceVariable,
      {
        type: 'textbox',
        name: 'search',
        label: 'Search (name, IMSI or SIM ID)',
        query: '',
        current: { text: '', value: '' },
        options: [],
        hide: 0,
      },
      d.queryVariable('sim', 'SIM', std.rstripChars(simQuery, '\n'), allValue=null, multi=false) + {
        query+: { qryType: 3 },
        regex: '/display="(?<text>[^"]*)".*sim_id="(?<value>[^"]*)"/',
      },
    ],
    [
      d.row('Session') + d.grid(0, 0, 24, 1),
      d.stat('Session now', 'Whether the SIM has a data session now.', [
        d.query('soracom_sim_session_online{%s}' % sim, legend='session'),
      ]) + d.grid(0, 1, 6, 4) + { fieldConfig+: { defaults+: { mappings: onlineMappings } } },
      d.stat('Previous session ended', "When the SIM's previous session ended: offline since, when it is offline now.", [
        d.query('soracom_sim_previous_session_end_timestamp_seconds{%s} * 1000' % sim, legend='ended'),
      ], unit='dateTimeFromNow') + d.grid(6, 1, 6, 4),
      d.stat('Last network registration', 'When the device last registered with the network, even without a data session (where SORACOM reports it).', [
        d.query('soracom_sim_last_location_update_timestamp_seconds{%s} * 1000' % sim, legend='registered'),
      ], unit='dateTimeFromNow') + d.grid(12, 1, 6, 4),
      d.stat('Session drops in the time range', 'Deleted session events from the SIM session log in the time range.', [
        d.query('sum(increase(soracom_sim_session_events_total{%s, event=~"(?i)deleted"}[$__range])) or vector(0)' % sim, legend='drops'),
      ]) + d.grid(18, 1, 6, 4) + { fieldConfig+: { defaults+: d.thresholds(['green', [4, 'orange'], [8, 'red']]) { decimals: 0 } } },
      d.stateTimeline('Online and offline', 'The data session over time, as the exporter saw it.', [
        d.query('max(soracom_sim_session_online{%s})' % sim, legend='session'),
      ], mappings=onlineMappings) + d.grid(0, 5, 24, 4),
      d.timeseries('Session events', 'Session events from the SIM session log: created (connected), modified (handover) and deleted (disconnected).', [
        d.query('sum by (event) (increase(soracom_sim_session_events_total{%s}[$__rate_interval]))' % sim, legend='{{event}}'),
      ]) + d.grid(0, 9, 24, 7) + { fieldConfig+: { defaults+: { custom+: { drawStyle: 'bars', fillOpacity: 60 } } } },

      d.row('Network') + d.grid(0, 16, 24, 1),
      d.stateTimeline('Radio type and network', 'Radio access technology and network (MCC-MNC) of the session over time; gaps are times without a session.', [
        d.query('max by (radio_type, mcc, mnc) (soracom_sim_session_info{%s})' % sim, legend='{{radio_type}} {{mcc}}-{{mnc}}'),
      ], mappings=[d.valueMapping(1, 'in use', 'blue')]) + d.grid(0, 17, 12, 7),
      d.stateTimeline('Cell', 'The cell of the session over time: TAC and ECI for LTE, LAC and CI for 2G and 3G.', [
        d.query('max by (tac, eci, lac, ci) (soracom_sim_session_info{%s})' % sim, legend='TAC {{tac}} ECI {{eci}} LAC {{lac}} CI {{ci}}'),
      ], mappings=[d.valueMapping(1, 'in use', 'blue')]) + d.grid(12, 17, 12, 7),
      d.timeseries('Cell and device changes', 'Cell changes and IMEI changes (the SIM in another device) per hour.', [
        d.query('sum(rate(soracom_sim_cell_changes_total{%s}[$__rate_interval])) * 3600' % sim, legend='cell changes / h'),
        d.query('sum(rate(soracom_sim_imei_changes_total{%s}[$__rate_interval])) * 3600' % sim, legend='IMEI changes / h', refId='B'),
      ]) + d.grid(0, 24, 24, 7),

      d.row('Traffic and cost') + d.grid(0, 31, 24, 1),
      d.timeseries('Traffic', 'Data the SIM sent (upload) and received (download), bytes per second.', [
        d.query('sum by (direction) (rate(soracom_sim_air_bytes_total{%s}[$__rate_interval]))' % sim, legend='{{direction}}'),
      ], unit='Bps') + d.grid(0, 32, 12, 8),
      d.stat('Data this month', 'Bytes sent and received this UTC month.', [
        d.query('sum by (direction) (soracom_sim_air_bytes_total{%s})' % sim, legend='{{direction}}'),
      ], unit='bytes') + d.grid(12, 32, 4, 8),
      d.timeseries('Charges this month', "The SIM's charges this month, without tax (billing source; by default only the most expensive SIMs).", [
        d.query('soracom_sim_bill_amount{%s}' % sim, legend='{{currency}}'),
      ]) + d.grid(16, 32, 8, 8),

      d.row('Inventory') + d.grid(0, 40, 24, 1),
      d.table('SIM', 'The SIM as SORACOM lists it.', d.query('soracom_sim_info{%s}' % sim, instant=true, table=true), [
        ['name', 'Name'],
        ['imsi', 'IMSI'],
        ['sim_id', 'SIM ID'],
        ['msisdn', 'MSISDN'],
        ['status', 'Status'],
        ['speed_class', 'Speed class'],
        ['group', 'Group'],
        ['subscription', 'Subscription'],
        ['module_type', 'Module type'],
        ['sim_type', 'SIM type'],
        ['operator_id', 'Operator'],
        ['coverage', 'Coverage'],
      ]) + d.grid(0, 41, 24, 5) + {
        transformations: [super.transformations[0] { options+: { excludeByName+: { Value: true } } }],
      },
      d.table('Device and session', "The device (IMEI) and the radio context of the current session; empty while offline.", d.query('soracom_sim_session_info{%s}' % sim, instant=true, table=true), [
        ['imei', 'IMEI'],
        ['radio_type', 'Radio type'],
        ['mcc', 'MCC'],
        ['mnc', 'MNC'],
        ['tac', 'TAC'],
        ['eci', 'ECI'],
        ['lac', 'LAC'],
        ['ci', 'CI'],
        ['ue_ip_address', 'Device IP address'],
        ['vpg_id', 'VPG'],
      ]) + d.grid(0, 46, 24, 5) + {
        transformations: [super.transformations[0] { options+: { excludeByName+: { Value: true, sim_id: true, imsi: true } } }],
      },
    ],
  ) + {
    links: [{
      title: 'SORACOM fleet',
      type: 'link',
      url: '/d/%s/' % cfg.fleetDashboardUID,
      icon: 'dashboard',
      tooltip: 'The whole fleet',
      tags: [],
      asDropdown: false,
      targetBlank: false,
      includeVars: false,
      keepTime: true,
    }],
  }
