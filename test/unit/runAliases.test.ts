import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAliases, MAX_ALIAS_LENGTH, MAX_ALIASES, restoreAliases, withAlias } from '../../src/core/runAliases';
import { isWebviewMessage } from '../../src/protocol';

test('a rename from the panel is checked: a run id and an alias of bounded length', () => {
  assert.equal(isWebviewMessage({ type: 'renameRun', runId: '/r', alias: 'lr 2e-5' }), true);
  assert.equal(isWebviewMessage({ type: 'renameRun', runId: '/r', alias: '' }), true, 'an empty alias gives the run back its label');
  assert.equal(isWebviewMessage({ type: 'renameRun', runId: '/r', alias: 'x'.repeat(MAX_ALIAS_LENGTH + 1) }), false);
  assert.equal(isWebviewMessage({ type: 'renameRun', runId: '/r', alias: 3 }), false);
  assert.equal(isWebviewMessage({ type: 'renameRun', alias: 'a' }), false);
});

test('an alias is trimmed, an empty one clears it, and a new one past the cap is refused', () => {
  const named = withAlias({}, '/r', '  baseline ');
  assert.deepEqual(named, { '/r': 'baseline' });
  assert.deepEqual(withAlias(named, '/r', '   '), {});
  const full = Object.fromEntries(Array.from({ length: MAX_ALIASES }, (_, i) => [`/r${i}`, `run ${i}`]));
  assert.equal(withAlias(full, '/new', 'new')['/new'], undefined);
  assert.equal(withAlias(full, '/r0', 'renamed')['/r0'], 'renamed', 'an existing alias can still change');
});

test('aliases read back from workspace storage are checked; another shape is dropped', () => {
  assert.deepEqual(restoreAliases({ '/a': 'one', '/b': 7, '/c': '  ', '/d': 'x'.repeat(MAX_ALIAS_LENGTH + 1) }), { '/a': 'one' });
  assert.deepEqual(restoreAliases(['/a']), {});
  assert.deepEqual(restoreAliases(undefined), {});
});

test('aliased runs carry the alias as their label; the others are the same objects', () => {
  const runs = [
    { id: '/a', label: 'a' },
    { id: '/b', label: 'b' },
  ];
  const shown = applyAliases(runs, { '/a': 'baseline', '/gone': 'x' });
  assert.deepEqual(shown, [
    { id: '/a', label: 'baseline' },
    { id: '/b', label: 'b' },
  ]);
  assert.equal(shown[1], runs[1]);
});
