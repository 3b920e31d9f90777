// Small helpers shared by the rules and dashboards.
{
  // words('15m') = '15 minutes', for annotations that say how long.
  words(d)::
    local units = { s: 'second', m: 'minute', h: 'hour', d: 'day' };
    local n = std.parseInt(d[:std.length(d) - 1]);
    local u = d[std.length(d) - 1];
    assert std.objectHas(units, u) : 'duration %s: use one number and one unit of s, m, h, d' % d;
    '%d %s%s' % [n, units[u], if n == 1 then '' else 's'],

  // selector('metric', ['a="b"', '']) = 'metric{a="b"}': the non-empty
  // matchers, and no braces when there are none.
  selector(metric, matchers)::
    local m = std.filter(function(x) x != '', matchers);
    if m == [] then metric else '%s{%s}' % [metric, std.join(', ', m)],
}
