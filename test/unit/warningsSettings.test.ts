import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyWarningSettings,
  DEFAULT_WARNING_SETTINGS,
  demandsAttention,
  isWarningSeverity,
  withWarningSettings,
} from '../../src/core/analysis/warningSettings';
import type { Warning } from '../../src/core/analysis/warning';
import { buildRunView } from '../../src/core/runView';
import { statusTooltip } from '../../src/core/statusText';
import { fixtureStore } from '../fixtures/runs';

const warning = (kind: Warning['kind'], confidence: Warning['confidence'] = 'medium'): Warning => ({
  kind,
  form: 'disagreement',
  confidence,
  step: 10,
  startStep: 5,
  message: kind,
  evidence: {},
});

test('a rule turned off is dropped; the others get the severity the user chose', () => {
  const settings = {
    ...DEFAULT_WARNING_SETTINGS,
    overfitting: { enabled: false, severity: 'warning' as const },
    'misleading-loss': { enabled: true, severity: 'error' as const },
  };
  const applied = applyWarningSettings([warning('misleading-loss'), warning('overfitting'), warning('plateau')], settings);
  assert.deepEqual(
    applied.map((item) => [item.kind, item.severity]),
    [
      ['misleading-loss', 'error'],
      ['plateau', 'information'],
    ],
  );
  const view = withWarningSettings({ id: 'run', warnings: [warning('overfitting')] }, settings);
  assert.deepEqual(view, { id: 'run', warnings: [] });
});

test('only medium or high confidence at error or warning severity draws the eye', () => {
  assert.equal(demandsAttention(warning('misleading-loss')), true);
  assert.equal(demandsAttention(warning('misleading-loss', 'low')), false);
  assert.equal(demandsAttention(warning('plateau')), false, 'a plateau is information by default');
  assert.equal(demandsAttention({ ...warning('plateau'), severity: 'error' }), true);
  assert.equal(demandsAttention({ ...warning('instability', 'high'), severity: 'hint' }), false);
});

test('severities are the four diagnostic levels', () => {
  assert.equal(isWarningSeverity('information'), true);
  assert.equal(isWarningSeverity('info'), false);
  assert.equal(isWarningSeverity(1), false);
});

test('the hover card marks each warning with the icon of its severity, and lists other runs only for warnings that draw the eye', () => {
  const store = fixtureStore();
  const view = buildRunView(store.snapshot('/ws/sft-run') ?? assert.fail(), 'sft-run');
  const healthy = buildRunView(store.snapshot('/ws/healthy') ?? assert.fail(), 'healthy');
  const loud = withWarningSettings(view, { ...DEFAULT_WARNING_SETTINGS, 'misleading-loss': { enabled: true, severity: 'error' } });
  assert.match(statusTooltip(loud, [loud, healthy]), /\$\(error\) \*\*misleading-loss\*\*/);
  const quiet = withWarningSettings(view, {
    ...DEFAULT_WARNING_SETTINGS,
    'misleading-loss': { enabled: true, severity: 'hint' },
    'checkpoint-disagreement': { enabled: false, severity: 'warning' },
  });
  assert.match(statusTooltip(quiet, [quiet, healthy]), /\$\(info\) \*\*misleading-loss\*\*/);
  assert.doesNotMatch(statusTooltip(healthy, [quiet, healthy]), /Also warned/);
});
