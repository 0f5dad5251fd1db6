import { el } from './dom';

/** What the panel says before any log is found: what it looks for, and how to make a run log token accuracy. */
export function emptyState(): HTMLElement {
  const code = (text: string): HTMLElement => el('code', {}, text);
  return el(
    'section',
    { id: 'empty', class: 'empty', 'aria-labelledby': 'empty-title' },
    el('h2', { id: 'empty-title' }, 'No training logs found yet'),
    el('p', {}, 'The panel shows eval loss and eval token accuracy of every run it finds, live, with a warning when the loss misleads.'),
    el('h3', {}, 'What it looks for'),
    el(
      'ul',
      {},
      el('li', {}, 'A Hugging Face ', code('trainer_state.json'), ' in an ', code('output_dir'), ' or its ', code('checkpoint-*'), ' folders.'),
      el(
        'li',
        {},
        'A JSONL log: one JSON object per line with a step (',
        code('step'),
        ', ',
        code('global_step'),
        ', ',
        code('current_steps'),
        ') and numbers, such as LLaMA-Factory’s ',
        code('trainer_log.jsonl'),
        '.',
      ),
    ),
    el('h3', {}, 'How to log token accuracy'),
    el(
      'p',
      {},
      'TRL’s ',
      code('SFTTrainer'),
      ' logs ',
      code('mean_token_accuracy'),
      ' by itself; with an eval set and ',
      code('eval_strategy="steps"'),
      ' it logs ',
      code('eval_mean_token_accuracy'),
      ' beside ',
      code('eval_loss'),
      '.',
    ),
    el('p', {}, 'With a plain ', code('Trainer'), ', return it from ', code('compute_metrics'), ':'),
    el(
      'pre',
      {},
      code(
        [
          'def compute_metrics(eval_pred):',
          '    logits, labels = eval_pred',
          '    preds = logits[:, :-1].argmax(-1)',
          '    labels = labels[:, 1:]',
          '    mask = labels != -100',
          '    return {"token_accuracy": float((preds == labels)[mask].mean())}',
        ].join('\n'),
      ),
    ),
    el(
      'p',
      {},
      'Pass ',
      code('preprocess_logits_for_metrics=lambda logits, labels: logits.argmax(-1)'),
      ' to keep memory small (then compare the predictions, not the logits).',
    ),
    el('h3', {}, 'Logs elsewhere?'),
    el(
      'p',
      {},
      'Add their folders to the ',
      code('tokenAccuracyLens.logDirectories'),
      ' setting (absolute, or relative to the first workspace folder). The Training Runs view in the activity bar lists what is found.',
    ),
  );
}
