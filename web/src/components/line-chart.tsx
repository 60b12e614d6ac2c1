// A small time-series chart in SVG: one line, its latest value, min/max labels; empty samples show a gap.
import { chartPath } from '../lib/chart';

export interface ChartPoint {
  atMs: number;
  value: number | null;
}

export function LineChart({ title, unit, points }: { title: string; unit: string; points: ChartPoint[] }) {
  const { path, max } = chartPath(points, 300, 80);
  const latest = [...points].reverse().find((point) => point.value !== null)?.value ?? null;
  return (
    <figure className="chart">
      <figcaption>
        <span>{title}</span>
        <strong>{latest === null ? '—' : `${format(latest)} ${unit}`}</strong>
      </figcaption>
      <svg viewBox="0 0 300 80" role="img" aria-label={`${title}: ${points.length} samples, latest ${latest === null ? 'none' : format(latest)} ${unit}`} preserveAspectRatio="none">
        <line x1="0" y1="79.5" x2="300" y2="79.5" className="chart-axis" />
        <path d={path} className="chart-line" />
      </svg>
      <div className="chart-scale muted">
        <span>{points.length > 0 ? `${Math.round((Date.now() - (points[0]?.atMs ?? Date.now())) / 60_000)} min ago` : ''}</span>
        <span>max {format(max)}</span>
      </div>
    </figure>
  );
}

function format(value: number): string {
  return value >= 100 || Number.isInteger(value) ? String(Math.round(value)) : value.toFixed(2);
}
