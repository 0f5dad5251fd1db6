/** A rectangle in the chart's CSS pixels, from its top left corner. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Where a chart label belongs: a row at the top or bottom of the plot, or beside a point, at an x. */
export type LabelAnchor =
  { readonly at: 'top' | 'bottom'; readonly x: number; readonly center: boolean } | { readonly at: 'above' | 'below'; readonly x: number; readonly y: number };

export const GAP = 2;
/** Room between a point marker's centre and its label, so the label never covers the marker. */
const MARKER_CLEARANCE = 9;

export function intersects(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function inside(box: Box, area: Box): boolean {
  return box.x >= area.x && box.y >= area.y && box.x + box.width <= area.x + area.width && box.y + box.height <= area.y + area.height;
}

function clampX(x: number, width: number, area: Box): number {
  return Math.min(Math.max(x, area.x), area.x + area.width - width);
}

/**
 * Positions to try for a label of this size, nearest first: rows stacked down from the top (or up from the
 * bottom) of the plot; beside a point, rows away from it on its preferred side, then on the other.
 */
export function candidates(anchor: LabelAnchor, width: number, height: number, area: Box): Box[] {
  // Whole pixels: text drawn across pixel edges is blurred, which costs contrast in every theme.
  const left = Math.ceil(area.x);
  const right = Math.floor(area.x + area.width) - Math.ceil(width);
  return unrounded(anchor, Math.ceil(width), Math.ceil(height), area).map((box) => ({
    ...box,
    x: Math.min(Math.max(Math.round(box.x), left), right),
    y: Math.round(box.y),
  }));
}

function unrounded(anchor: LabelAnchor, width: number, height: number, area: Box): Box[] {
  const rows = Math.max(0, Math.floor(area.height / (height + GAP)));
  const result: Box[] = [];
  if (!('y' in anchor)) {
    // A marker's label starts just right of its line, or ends just left of it where the plot would cut it off.
    const rightOf = anchor.x + 3;
    const x = anchor.center
      ? clampX(anchor.x - width / 2, width, area)
      : rightOf + width <= area.x + area.width
        ? rightOf
        : clampX(anchor.x - 3 - width, width, area);
    for (let row = 0; row < rows; row++) {
      const y = anchor.at === 'top' ? area.y + GAP + row * (height + GAP) : area.y + area.height - GAP - height - row * (height + GAP);
      result.push({ x, y, width, height });
    }
    return result;
  }
  const x = clampX(anchor.x - width / 2, width, area);
  const { y } = anchor;
  const above = (row: number): Box => ({ x, y: y - MARKER_CLEARANCE - height - row * (height + GAP), width, height });
  const below = (row: number): Box => ({ x, y: y + MARKER_CLEARANCE + row * (height + GAP), width, height });
  const [first, second] = anchor.at === 'above' ? [above, below] : [below, above];
  for (let row = 0; row < rows; row++) result.push(first(row));
  for (let row = 0; row < rows; row++) result.push(second(row));
  return result;
}

/**
 * Places labels in order, each at its first candidate that lies in the area and meets no label placed before
 * it nor anything in `taken`. A label with no such room gets null and is not drawn: its marker stays, and the
 * warnings list says the same in words. Earlier labels win, so callers list the most important first.
 */
export function placeLabels(labels: readonly (readonly Box[])[], area: Box, taken: readonly Box[] = []): (Box | null)[] {
  const placed: Box[] = [...taken];
  return labels.map((options) => {
    const found = options.find((box) => inside(box, area) && !placed.some((other) => intersects(box, other)));
    if (found !== undefined) placed.push(found);
    return found ?? null;
  });
}

/**
 * Where the crosshair tooltip goes: in the half of the plot away from the pointer, as near its top outer
 * corner as it can be without covering a label (moved down, then inwards); the other half when that one has
 * no room; over the labels only when neither has.
 */
export function tipPosition(width: number, height: number, area: Box, labels: readonly Box[], leftSide: boolean): { x: number; y: number } {
  const outerLeft = area.x + 4;
  const outerRight = area.x + area.width - width - 4;
  const middle = area.x + area.width / 2;
  const halves = leftSide ? ['left', 'right'] : ['right', 'left'];
  for (const half of halves) {
    const xs: number[] = [];
    if (half === 'left') for (let x = outerLeft; x + width <= middle || x === outerLeft; x += 8) xs.push(x);
    else for (let x = outerRight; x >= middle || x === outerRight; x -= 8) xs.push(x);
    for (const x of xs) {
      for (let y = area.y + 4; y + height <= area.y + area.height; y += 4) {
        if (!labels.some((label) => intersects(label, { x, y, width, height }))) return { x, y };
      }
    }
  }
  return { x: leftSide ? outerLeft : outerRight, y: area.y + 4 };
}
