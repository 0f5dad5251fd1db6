import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The Extensions page shows the VSIX's README with its links as written (`--no-rewrite-relative-links`: the
 * repository URL is no place to fetch images from), so every image it shows must be in the VSIX, whose
 * .vscodeignore is an allowlist. `npx vsce ls` lists the files; this checks the rules that put them there.
 */
const REPO = resolve(__dirname, '../../..');
const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { icon?: string; scripts: Record<string, string> };
const allowlist = readFileSync(join(REPO, '.vscodeignore'), 'utf8').split('\n');

test('every README image is a relative path to a PNG in docs/, which the VSIX ships, with links kept as written', () => {
  const images = [...readFileSync(join(REPO, 'README.md'), 'utf8').matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] as string);
  assert.ok(images.length >= 4, images.join(', '));
  for (const image of images) {
    assert.match(image, /^docs\/[\w.-]+\.png$/, `${image}: only docs/*.png is allowlisted`);
    assert.ok(existsSync(join(REPO, image)), `${image} exists`);
  }
  assert.ok(allowlist.includes('!docs/*.png'));
  assert.match(manifest.scripts['package'] ?? '', /--no-rewrite-relative-links/);
});

test('the icon is a 128×128 PNG the VSIX ships', () => {
  assert.equal(manifest.icon, 'media/icon.png');
  assert.ok(allowlist.includes('!media/**'));
  const png = readFileSync(join(REPO, manifest.icon));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  // IHDR is the first chunk: width and height as big-endian 32-bit integers at bytes 16 and 20.
  assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
});
