import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOverrides } from '../../src/node/formatSettings';
import { LogIngest } from '../../src/node/logIngest';

test("the user's console patterns reach the console reader through the ingest's format overrides", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tal-patterns-'));
  const file = join(dir, 'train.log');
  writeFileSync(file, 'starting\nep 1 | acc 0.50 | loss 2.0\nep 2 | acc 0.55 | loss 1.8\n');
  const plain = new LogIngest(undefined, { retryIncomplete: false });
  await plain.ingest(file);
  assert.deepEqual(plain.store.runIds(), []);
  const { overrides, errors } = formatOverrides(['^ep (?<step>\\d+) \\| acc (?<val_acc>\\S+) \\| loss (?<val_loss>\\S+)$', '[']);
  assert.equal(errors.length, 1);
  const configured = new LogIngest(undefined, { retryIncomplete: false, formats: overrides });
  await configured.ingest(file);
  assert.deepEqual(configured.store.snapshot(dir)?.metrics.get('val_acc'), { steps: [1, 2], values: [0.5, 0.55] });
  assert.deepEqual(configured.store.snapshot(dir)?.metrics.get('val_loss'), { steps: [1, 2], values: [2, 1.8] });
  assert.equal(formatOverrides([]).overrides.size, 0);
  rmSync(dir, { recursive: true });
});
