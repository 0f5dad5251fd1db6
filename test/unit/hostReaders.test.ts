import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOG_FORMATS } from '../../src/core/formats/registry';
import { HOST_READERS } from '../../src/node/hostReaders';

test('every format the registry reads through the host has a host reader', () => {
  const hosted = new Set(HOST_READERS.map(([format]) => format.id));
  for (const format of LOG_FORMATS) if (format.kind === 'host') assert.ok(hosted.has(format.id), `${format.id} has no host reader`);
});
