/**
 * Server-drawn SVG charts for the console. Pure functions of their data (same input, same bytes), drawn
 * with presentation attributes only: the CSP (`default-src 'self'`) blocks inline `style` attributes
 * and `<style>` elements, and no chart script is needed. The figure is the accessible object (role
 * "img" with a summary in aria-label); the numbers are also in a table beside each chart.
 */
import type { AdoptionPoint } from "../adoption.js";

const W = 640;
const PLOT = { left: 52, right: 620, top: 16, bottom: 196 };
const INK = "#17212b";
const MUTED = "#5a6776";
const GRID = "#d9dee5";
export const SERIES = {
  any: { color: "#0b5cad", label: "Any second factor" },
  pr: { color: "#137333", label: "Security key or passkey" },
} as const;

const fixed = (n: number) => n.toFixed(1);
const pct = (part: number, total: number) => (total > 0 ? (100 * part) / total : 0);
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const width = PLOT.right - PLOT.left;
const height = PLOT.bottom - PLOT.top;

function Frame() {
  return (
    <rect
      x={PLOT.left}
      y={PLOT.top}
      width={width}
      height={height}
      fill="#fbfcfd"
      stroke={GRID}
      data-part="plot"
    />
  );
}

/** Horizontal grid lines with their labels at `ticks` (values), scaled to `max`. */
function YAxis(p: { ticks: number[]; max: number; format: (v: number) => string }) {
  return (
    <g data-part="y-axis">
      {p.ticks.map((v) => {
        const y = fixed(PLOT.bottom - (v / p.max) * height);
        return (
          <g key={v}>
            <line x1={PLOT.left} x2={PLOT.right} y1={y} y2={y} stroke={GRID} />
            <text x={PLOT.left - 6} y={y} dy="4" text-anchor="end" fill={MUTED}>
              {p.format(v)}
            </text>
          </g>
        );
      })}
      <line x1={PLOT.left} x2={PLOT.left} y1={PLOT.top} y2={PLOT.bottom} stroke={INK} />
      <line x1={PLOT.left} x2={PLOT.right} y1={PLOT.bottom} y2={PLOT.bottom} stroke={INK} />
    </g>
  );
}

export interface AdoptionChartProps {
  /** data-chart="adoption-<id>": "all", "critical", "mandate-<id>". */
  id: string;
  title: string;
  points: AdoptionPoint[];
}

/** Share of a cohort with any second factor and with a key or passkey, one point a day. */
export function AdoptionChart(p: AdoptionChartProps) {
  // A day when the cohort had nobody has no share to draw (0% would read as "nobody complied").
  const drawn = p.points.filter((pt) => pt.total > 0);
  const last = drawn.at(-1);
  const first = drawn[0];
  const span = first && last ? last.day - first.day : 0;
  const x = (day: number) =>
    span > 0 ? PLOT.left + ((day - first!.day) / span) * width : PLOT.left + width / 2;
  const y = (share: number) => PLOT.bottom - (share / 100) * height;
  const series = (key: "any" | "pr") =>
    drawn.map((pt) => ({
      x: x(pt.day),
      y: y(pct(key === "any" ? pt.anyMfa : pt.phishingResistant, pt.total)),
    }));
  const summary = last
    ? `${p.title}: ${fixed(pct(last.anyMfa, last.total))}% of ${last.total} users with a second factor, ${fixed(pct(last.phishingResistant, last.total))}% with a security key or passkey on ${isoDay(last.day)}`
    : `${p.title}: nobody in this cohort yet`;
  const xTicks =
    first && last
      ? [...new Set([first.day, first.day + Math.round(span / 2 / 86_400_000) * 86_400_000, last.day])]
      : [];
  return (
    <figure class="chart" data-chart={`adoption-${p.id}`} role="img" aria-label={summary}>
      <svg
        viewBox={`0 0 ${W} 250`}
        xmlns="http://www.w3.org/2000/svg"
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title>{summary}</title>
        <Frame />
        <YAxis ticks={[0, 25, 50, 75, 100]} max={100} format={(v) => `${v}%`} />
        <g data-part="x-axis">
          {(span > 0 ? xTicks : xTicks.slice(-1)).map((d, i, all) => (
            <text
              key={d}
              x={fixed(x(d))}
              y={PLOT.bottom + 18}
              text-anchor={
                all.length > 1 && i === 0
                  ? "start"
                  : all.length > 1 && i === all.length - 1
                    ? "end"
                    : "middle"
              }
              fill={MUTED}
            >
              {isoDay(d)}
            </text>
          ))}
        </g>
        {!last && (
          <text x={PLOT.left + width / 2} y={PLOT.top + height / 2} text-anchor="middle" fill={MUTED}>
            Nobody in this cohort yet
          </text>
        )}
        {(["any", "pr"] as const).map((key) => {
          const pts = series(key);
          return (
            <g key={key} data-series={key} fill="none" stroke={SERIES[key].color} stroke-width="2.5">
              {pts.length > 1 && (
                <polyline
                  points={pts.map((q) => `${fixed(q.x)},${fixed(q.y)}`).join(" ")}
                  stroke-linejoin="round"
                  stroke-dasharray={DASH[key]}
                />
              )}
              {(pts.length <= 60 ? pts : pts.slice(-1)).map((q) => (
                <Marker key={q.x} kind={key} x={q.x} y={q.y} />
              ))}
            </g>
          );
        })}
        <g data-part="legend" transform={`translate(${PLOT.left} 236)`}>
          {(["any", "pr"] as const).map((key, i) => (
            <g key={key} transform={`translate(${i * 260} 0)`}>
              <line
                x1="0"
                x2="30"
                y1="-5"
                y2="-5"
                stroke={SERIES[key].color}
                stroke-width="2.5"
                stroke-dasharray={DASH[key]}
              />
              <Marker kind={key} x={15} y={-5} />
              <text x="38" y="0" fill={INK}>
                {SERIES[key].label}
                {last
                  ? ` ${fixed(pct(key === "any" ? last.anyMfa : last.phishingResistant, last.total))}%`
                  : ""}
              </text>
            </g>
          ))}
        </g>
      </svg>
    </figure>
  );
}

/**
 * The two series differ in three ways besides colour (issue 14: colour only fails for colour-blind
 * readers and on grey printouts): a solid vs dashed line, round vs square markers, and the legend
 * draws each line with its marker.
 */
const DASH: Record<"any" | "pr", string | undefined> = { any: undefined, pr: "7 4" };

function Marker(p: { kind: "any" | "pr"; x: number; y: number }) {
  const color = SERIES[p.kind].color;
  if (p.kind === "pr")
    return (
      <rect
        data-marker="square"
        x={fixed(p.x - 4)}
        y={fixed(p.y - 4)}
        width="8"
        height="8"
        fill="#fff"
        stroke={color}
        stroke-width="2"
      />
    );
  return (
    <circle
      cx={fixed(p.x)}
      cy={fixed(p.y)}
      r="4"
      fill={color}
      stroke="#fff"
      stroke-width="1"
      data-marker="circle"
    />
  );
}

/** A y-axis maximum that reads well: 1, 2, 5, 10, 20, 50, ... at least `n`. */
export function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** Open recovery requests by age bucket. */
export function RecoveryAgeChart(p: { buckets: Array<{ label: string; count: number }> }) {
  const max = niceMax(Math.max(0, ...p.buckets.map((b) => b.count)));
  const slot = width / Math.max(1, p.buckets.length);
  const total = p.buckets.reduce((s, b) => s + b.count, 0);
  const summary = `Open recovery requests by age: ${p.buckets.map((b) => `${b.label}: ${b.count}`).join(", ")} (${total} in all)`;
  return (
    <figure class="chart" data-chart="recovery-ages" role="img" aria-label={summary}>
      <svg
        viewBox={`0 0 ${W} 226`}
        xmlns="http://www.w3.org/2000/svg"
        font-family="system-ui, sans-serif"
        font-size="12"
      >
        <title>{summary}</title>
        <defs>
          {/* Old buckets are hatched as well as red, so they stand out without colour. */}
          <pattern
            id="overdue-hatch"
            width="6"
            height="6"
            patternUnits="userSpaceOnUse"
            patternTransform="rotate(45)"
          >
            <rect width="6" height="6" fill="#b42318" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2.5" />
          </pattern>
        </defs>
        <Frame />
        <YAxis ticks={max >= 2 ? [0, max / 2, max] : [0, max]} max={max} format={(v) => String(v)} />
        {p.buckets.map((b, i) => {
          const h = (b.count / max) * height;
          const cx = PLOT.left + slot * (i + 0.5);
          return (
            <g key={b.label} data-bucket={b.label}>
              <rect
                x={fixed(cx - slot * 0.3)}
                y={fixed(PLOT.bottom - h)}
                width={fixed(slot * 0.6)}
                height={fixed(h)}
                fill={i >= 3 ? "url(#overdue-hatch)" : "#0b5cad"}
                stroke={i >= 3 ? "#b42318" : undefined}
                data-overdue={i >= 3 ? "" : undefined}
              />
              <text x={fixed(cx)} y={fixed(PLOT.bottom - h - 5)} text-anchor="middle" fill={INK}>
                {b.count}
              </text>
              <text x={fixed(cx)} y={PLOT.bottom + 18} text-anchor="middle" fill={MUTED}>
                {b.label}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
