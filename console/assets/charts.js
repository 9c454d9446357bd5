// Time-series charts on uPlot (served from its npm package by the API). Each chart box records how
// many series it drew (data-series) and when it first drew (data-drawn), for people and tests alike.
import uPlot from '/assets/vendor/uPlot.esm.js';
import { el } from './lib.js';

const PALETTE = ['--accent', '--warn', '--bad', '--ok', '--muted'];
const cssVar = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';

/** A deploy: a solid line in the focus blue with a flag at the top holding its version. */
function drawDeploy(ctx, x, bbox, version) {
  const colour = cssVar('--focus');
  ctx.strokeStyle = colour;
  ctx.fillStyle = colour;
  ctx.lineWidth = 2 * window.devicePixelRatio;
  ctx.setLineDash([]);
  ctx.beginPath();
  ctx.moveTo(x, bbox.top);
  ctx.lineTo(x, bbox.top + bbox.height);
  ctx.stroke();
  const h = 8 * window.devicePixelRatio;
  ctx.beginPath();
  ctx.moveTo(x - h / 2, bbox.top);
  ctx.lineTo(x + h / 2, bbox.top);
  ctx.lineTo(x, bbox.top + h);
  ctx.closePath();
  ctx.fill();
  ctx.font = `${10 * window.devicePixelRatio}px sans-serif`;
  ctx.textAlign = 'left'; // uPlot leaves the axes' alignment on the context
  ctx.textBaseline = 'alphabetic';
  // Beside the flag, on whichever side the plot has room (recent deploys sit at the right edge).
  const w = ctx.measureText(version).width;
  const right = x + h / 2 + 2 + w <= bbox.left + bbox.width;
  ctx.fillText(version, right ? x + h / 2 + 2 : x - h / 2 - 2 - w, bbox.top + h);
}

/**
 * Vertical lines at marker times: incidents dashed by severity, anomalies dotted, deploys solid with
 * their version. `onDeploys` learns how many deploys fell inside the plot (the rest are off the axis).
 */
function markerPlugin(markers, onDeploys) {
  return {
    hooks: {
      draw: [
        (u) => {
          const { ctx, bbox } = u;
          ctx.save();
          let deploys = 0;
          for (const m of markers) {
            const x = u.valToPos(m.t, 'x', true);
            if (x < bbox.left || x > bbox.left + bbox.width) continue;
            if (m.kind === 'deploy') {
              ctx.save();
              drawDeploy(ctx, x, bbox, m.version);
              ctx.restore();
              deploys++;
              continue;
            }
            // Anomaly verdicts: dotted, in the accent colour, so they read apart from incidents.
            const anomaly = m.kind === 'anomaly';
            ctx.strokeStyle = cssVar(anomaly ? '--accent' : m.severity === 'critical' || m.severity === 'high' ? '--bad' : '--warn');
            ctx.setLineDash(anomaly ? [1, 3] : [4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, bbox.top);
            ctx.lineTo(x, bbox.top + bbox.height);
            ctx.stroke();
          }
          ctx.restore();
          onDeploys(deploys);
        },
      ],
    },
  };
}

/**
 * A line chart in `box`: x in seconds, `series` = [{ label, values, dash?, colour? }], optional
 * `bands` = [{ upper, lower, alpha }] as indices into series, `markers` = [{ t, severity, title }].
 */
export function lineChart(box, { title, x, series, bands = [], markers = [], yLabel, height = 200 }) {
  const target = el('div', { class: 'plot' });
  const incidents = markers.filter((m) => m.kind !== 'anomaly' && m.kind !== 'deploy');
  const anomalies = markers.filter((m) => m.kind === 'anomaly').length;
  const deploys = markers.filter((m) => m.kind === 'deploy');
  const said = [
    incidents.length ? `${incidents.length} incident marker${incidents.length === 1 ? '' : 's'}: ${incidents.slice(-3).map((m) => m.title).join('; ')}` : '',
    anomalies ? `${anomalies} anomaly marker${anomalies === 1 ? '' : 's'} (dotted)` : '',
    deploys.length ? `${deploys.length} deploy marker${deploys.length === 1 ? '' : 's'} (solid, flagged): ${deploys.slice(-3).map((m) => m.title).join('; ')}` : '',
  ].filter(Boolean).join('; ');
  const caption = said ? el('p', { class: 'muted' }, said) : null;
  box.replaceChildren(el('h3', {}, title), target, ...(caption ? [caption] : []));
  box.setAttribute('role', 'figure');
  box.setAttribute('aria-label', `${title}: ${series.map((s) => s.label).join(', ')}`);
  const opts = {
    width: Math.max(280, box.clientWidth - 12),
    height,
    series: [{}, ...series.map((s, i) => ({
      label: s.label,
      stroke: s.colour ?? cssVar(PALETTE[i % PALETTE.length]),
      width: s.width ?? 1.5,
      ...(s.dash ? { dash: s.dash } : {}),
      ...(s.fill ? { fill: s.fill } : {}),
      spanGaps: false,
    }))],
    bands: bands.map((b) => ({ series: [b.upper + 1, b.lower + 1], fill: `rgba(9, 105, 218, ${b.alpha ?? 0.15})` })),
    axes: [
      { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line') } },
      { stroke: cssVar('--muted'), grid: { stroke: cssVar('--line') }, ...(yLabel ? { label: yLabel } : {}) },
    ],
    plugins: [markerPlugin(markers, (n) => box.setAttribute('data-deploys-drawn', String(n)))],
    hooks: { draw: [() => box.setAttribute('data-drawn', String(performance.now()))] },
  };
  const data = [x, ...series.map((s) => s.values)];
  const u = new uPlot(opts, data, target);
  box.setAttribute('data-series', String(series.length));
  box.setAttribute('data-anomaly-markers', String(anomalies));
  box.setAttribute('data-deploy-markers', String(deploys.length));
  new ResizeObserver(() => u.setSize({ width: Math.max(280, box.clientWidth - 12), height })).observe(box);
  return {
    plot: u,
    /** Appends one point per series (live windows). */
    append(t, values) {
      if (data[0].length && t <= data[0][data[0].length - 1]) return; // uPlot needs rising x; a late window waits for the next full read
      data[0].push(t);
      values.forEach((v, i) => data[i + 1].push(v));
      u.setData(data);
    },
  };
}

/** A box to hold one chart. */
export const chartBox = (id) => el('div', { class: 'chart', id });
