import { el } from './dom';

const code = (text: string): HTMLElement => el('code', {}, text);

/** Every format the extension reads (the README's "What it reads"), one line each: what a user recognises. */
function formats(): HTMLElement {
  const item = (...children: (Node | string)[]): HTMLElement => el('li', {}, ...children);
  return el(
    'ul',
    { id: 'empty-formats' },
    item(
      'Hugging Face ',
      code('trainer_state.json'),
      ' in an ',
      code('output_dir'),
      ' or its ',
      code('checkpoint-*'),
      ' folders, and its ',
      code('all_results.json'),
      '.',
    ),
    item(
      'JSONL logs: one JSON object per line with a step (',
      code('step'),
      ', ',
      code('global_step'),
      ', ',
      code('current_steps'),
      ') and numbers, such as LLaMA-Factory’s ',
      code('trainer_log.jsonl'),
      '.',
    ),
    item('TensorBoard event files (', code('*tfevents*'), '): PyTorch, tensorboardX, Keras, Lightning, HF ', code('report_to="tensorboard"'), '.'),
    item('PyTorch Lightning’s ', code('CSVLogger'), ': ', code('lightning_logs/version_N/metrics.csv'), '.'),
    item('MLflow: the file store (', code('mlruns/'), ') and the SQLite store (', code('mlflow.db'), ').'),
    item('Weights & Biases local runs: ', code('wandb/run-*/run-<id>.wandb'), ', offline runs too.'),
    item(
      'Console logs (',
      code('*.log'),
      ', ',
      code('*.txt'),
      '): HF’s printed dicts, nanoGPT, llm.c, torchtune, or your own patterns in ',
      code('tokenAccuracyLens.console.patterns'),
      '.',
    ),
    item('Jupyter notebooks (', code('*.ipynb'), '): the Trainer’s progress table, Keras ', code('fit'), ' output and printed metrics in saved cell outputs.'),
    item(
      'Evaluation outputs (',
      code('eval_outputs/step-<N>.safetensors'),
      ', ',
      code('.npz'),
      ', ',
      code('.npy'),
      '), from which token accuracy is computed.',
    ),
  );
}

/** The dump helper's command: a button that runs it when the panel can ask the host, else its name to type in the palette. */
function dumpHelperCommand(onAddDumpHelper: (() => void) | undefined): HTMLElement {
  const title = 'Token Accuracy Lens: Add Evaluation Dump Helper to Workspace';
  if (onAddDumpHelper === undefined) return el('strong', {}, title);
  const button = el('button', { type: 'button', id: 'empty-add-dump-helper', title: `Runs “${title}”` }, 'Add Evaluation Dump Helper to Workspace');
  button.addEventListener('click', onAddDumpHelper);
  return button;
}

/**
 * What the panel says before any log is found: what it looks for, and how to make a run log token accuracy.
 * `onAddDumpHelper` runs the command that copies the dump helper into the workspace.
 */
export function emptyState(onAddDumpHelper?: () => void): HTMLElement {
  return el(
    'section',
    { id: 'empty', class: 'empty', 'aria-labelledby': 'empty-title' },
    el('h2', { id: 'empty-title' }, 'No training logs found yet'),
    el('p', {}, 'The panel shows eval loss and eval token accuracy of every run it finds, live, with a warning when the loss misleads.'),
    el('h3', {}, 'What it looks for'),
    formats(),
    el('h3', {}, 'How to get token accuracy'),
    el(
      'p',
      {},
      el('strong', {}, 'TRL’s '),
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
    el('p', {}, 'With a plain ', el('strong', {}, 'Trainer'), ', return it from ', code('compute_metrics'), ':'),
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
    el(
      'p',
      {},
      el('strong', {}, 'Any loss-only run'),
      ' of the Hugging Face ',
      code('Trainer'),
      ' or ',
      code('SFTTrainer'),
      ': the dump helper writes the evaluation’s outputs (20 bytes a scored token) and the panel computes token accuracy, calibration and more from them. Copy it beside your script with ',
      dumpHelperCommand(onAddDumpHelper),
      ', then:',
    ),
    el(
      'pre',
      {},
      code(
        [
          'from token_accuracy_lens_dump import TokenAccuracyLensDump',
          '',
          'trainer = Trainer(  # or SFTTrainer',
          '    ...,',
          '    callbacks=[TokenAccuracyLensDump(output_dir=args.output_dir)],',
          ')',
        ].join('\n'),
      ),
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
