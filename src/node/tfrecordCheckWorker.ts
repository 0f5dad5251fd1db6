// The helper thread of tfrecordChecksAside.ts: checks the checksums of a TFRecord file's records while the
// reading thread fills the shared bytes and decodes them, saying how far every record passed. Kept apart
// from the CLI's bundle so that it starts quickly: it needs only the CRC-32C and the framing.
import { readlinkSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import { workerData } from 'node:worker_threads';
import { TfrecordChecks } from '../core/formats/tfrecordChecks';
import { CHECKED, type ChecksWork, filledOf, isFinal, STATE, STOP } from './tfrecordChecksShared';

/** How long one wait for more bytes lasts before the loop looks again (a stop is seen at the next look at the latest). */
const WAIT_MS = 50;
/** Bytes checked between two reports of progress (a fraction of a millisecond): the reading thread decodes 256 KiB at a time. */
const STEP_BYTES = 1 << 18;

function run(work: ChecksWork): void {
  const bytes = new Uint8Array(work.bytes);
  const view = new DataView(work.bytes);
  const words = new Int32Array(work.words);
  const checks = new TfrecordChecks();
  while (Atomics.load(words, STOP) === 0) {
    const state = Atomics.load(words, STATE);
    const filled = filledOf(state);
    let before = -1;
    while (checks.position !== before && !checks.settled && Atomics.load(words, STOP) === 0) {
      before = checks.position;
      checks.advance(view, bytes, filled, STEP_BYTES);
      // A damaged record is left for the reading thread's own checks: CHECKED never passes it.
      Atomics.store(words, CHECKED, checks.position);
    }
    if (checks.settled || isFinal(state)) return;
    Atomics.wait(words, STATE, state, WAIT_MS);
  }
}

/**
 * On Linux a thread has its own priority: this one takes the lowest, so it runs on a core nobody else wants
 * and steps aside on a busy machine, where the reading thread then checks the records itself.
 */
function yieldToOthers(): void {
  try {
    const thread = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(thread) && thread > 0) setPriority(thread, constants.priority.PRIORITY_LOW);
  } catch {
    // Elsewhere the helper keeps the process's priority.
  }
}

yieldToOthers();
run(workerData as ChecksWork);
