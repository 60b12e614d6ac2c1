// The SVG path of a line chart: samples spread over the width, scaled to the largest value; null values break the line.

export function chartPath(points: ReadonlyArray<{ value: number | null }>, width: number, height: number): { path: string; max: number } {
  const values = points.map((point) => point.value).filter((value): value is number => value !== null);
  const max = Math.max(1, ...values);
  const step = points.length > 1 ? width / (points.length - 1) : 0;
  let path = '';
  let drawing = false;
  points.forEach((point, index) => {
    if (point.value === null) {
      drawing = false;
      return;
    }
    const x = points.length > 1 ? index * step : width / 2;
    const y = height - 1 - (point.value / max) * (height - 2);
    const next = points[index + 1];
    // A point with no neighbour to join gets a dot (a tiny segment with round caps).
    const alone = !drawing && (next === undefined || next.value === null);
    path += `${drawing ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}${alone ? 'h0.1' : ''}`;
    drawing = true;
  });
  return { path, max };
}
