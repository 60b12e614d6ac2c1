// Line and bar charts as SVG built with DOM APIs (createElementNS, setAttribute of numbers only).

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 320;
const HEIGHT = 160;
const PAD = 24;

function svgElement(tag: string, attributes: Record<string, string | number>): SVGElement {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

export interface ChartInput {
  kind: 'line' | 'bar';
  labels: string[];
  values: number[];
  title: string;
}

/** A chart of `values` (finite numbers; others count as 0) labelled by `labels`. */
export function renderChart(input: ChartInput): SVGElement {
  const values = input.values.map((value) => (Number.isFinite(value) ? value : 0));
  const max = Math.max(1, ...values);
  const svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', class: `chart chart-${input.kind}` });
  const title = document.createElementNS(SVG, 'title');
  title.textContent = input.title;
  svg.append(title, svgElement('line', { x1: PAD, y1: HEIGHT - PAD, x2: WIDTH - 4, y2: HEIGHT - PAD, class: 'axis' }));
  const step = values.length > 0 ? (WIDTH - PAD - 4) / values.length : 0;
  const y = (value: number) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  if (input.kind === 'bar') {
    values.forEach((value, index) => {
      svg.append(svgElement('rect', { x: PAD + index * step + step * 0.15, y: y(value), width: step * 0.7, height: HEIGHT - PAD - y(value), class: 'bar' }));
    });
  } else if (values.length > 0) {
    const points = values.map((value, index) => `${PAD + index * step + step / 2},${y(value)}`).join(' ');
    svg.append(svgElement('polyline', { points, class: 'line', fill: 'none' }));
  }
  input.labels.slice(0, values.length).forEach((label, index) => {
    const text = svgElement('text', { x: PAD + index * step + step / 2, y: HEIGHT - 6, 'text-anchor': 'middle', class: 'label' });
    text.textContent = label;
    svg.append(text);
  });
  return svg;
}
