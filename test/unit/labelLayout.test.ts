import { test } from 'node:test';
import assert from 'node:assert/strict';
import { candidates, intersects, placeLabels, tipPosition, type Box } from '../../webview/labelLayout';

const area: Box = { x: 50, y: 10, width: 400, height: 200 };

function assertApart(boxes: readonly Box[]): void {
  boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => assert.ok(!intersects(a, b), `${JSON.stringify(a)} meets ${JSON.stringify(b)}`)));
}

test('labels of several runs at the same step stack in rows instead of printing over each other', () => {
  const warnings = [0, 1, 2, 3].map(() => candidates({ at: 'top', x: 120, center: false }, 180, 14, area));
  const placed = placeLabels(warnings, area).map((box) => box ?? assert.fail('every label has room'));
  assert.deepEqual(
    placed.map((box) => box.y),
    [12, 28, 44, 60],
  );
  assert.ok(
    placed.every((box) => box.x === 123),
    'just right of the marker line',
  );
  assertApart(placed);
});

test('a label that would leave the plot on the right ends at its marker instead; whole pixels keep text sharp', () => {
  const [box] = placeLabels([candidates({ at: 'top', x: 430.4, center: false }, 100.2, 14, area)], area);
  assert.deepEqual(box, { x: 326, y: 12, width: 101, height: 14 });
  const [centred] = placeLabels([candidates({ at: 'bottom', x: 445, center: true }, 80, 14, area)], area);
  assert.deepEqual(centred, { x: 370, y: 194, width: 80, height: 14 }, 'clamped inside the plot');
});

test('point labels keep off the markers and each other, trying the other side of the point when one is full', () => {
  const markers: Box[] = [0, 1, 2].map((k) => ({ x: 193, y: 43 + 4 * k, width: 14, height: 14 }));
  const points = [0, 1, 2].map((k) => candidates({ at: 'above', x: 200, y: 50 + 4 * k }, 60, 14, area));
  const placed = placeLabels(points, area, markers).map((box) => box ?? assert.fail());
  assertApart([...placed, ...markers.slice(0, 1)]);
  for (const box of placed) for (const marker of markers) assert.ok(!intersects(box, marker));
  assert.ok(
    placed.some((box) => box.y > 50),
    'one went below once the room above was taken',
  );
});

test('a label with no room left is dropped rather than drawn over another', () => {
  const tiny: Box = { x: 0, y: 0, width: 100, height: 30 };
  const placed = placeLabels(
    [0, 1, 2].map(() => candidates({ at: 'top', x: 10, center: false }, 50, 14, tiny)),
    tiny,
  );
  assert.equal(placed.filter((box) => box !== null).length, 1);
});

test('the crosshair tooltip goes to the half away from the pointer, below or beside the labels there', () => {
  const labels: Box[] = [
    { x: 60, y: 12, width: 200, height: 14 },
    { x: 300, y: 12, width: 140, height: 14 },
  ];
  assert.deepEqual(tipPosition(120, 60, area, labels, true), { x: 54, y: 26 });
  assert.deepEqual(tipPosition(120, 60, area, labels, false), { x: 326, y: 26 });
  // Too tall to pass below the labels in its corner: it moves inwards to where the labels leave room.
  const tall = tipPosition(100, 190, area, [{ x: 54, y: 12, width: 60, height: 14 }], true);
  assert.ok(!intersects({ ...tall, width: 100, height: 190 }, { x: 54, y: 12, width: 60, height: 14 }));
  assert.ok(tall.x + 100 <= 250, 'still in its half');
});
