import { trainingCurves } from './simulateTraining.mjs';

// The demo workspace's `train.py`: TRL's SFTTrainer, which logs `eval_mean_token_accuracy`, keeping the best
// checkpoint by the eval loss (load_best_model_at_end with no metric_for_best_model). The extension warns on it,
// and its quick fix writes the accuracy the trainer really logs. A unit test checks that it does.
export const DEMO_TRAIN_PY = `from trl import SFTConfig, SFTTrainer

args = SFTConfig(
    output_dir="outputs/sft-lr2e-5",
    eval_strategy="steps",
    eval_steps=50,
    save_steps=250,
    load_best_model_at_end=True,
)

trainer = SFTTrainer(model=model, args=args, train_dataset=train, eval_dataset=evaluation)
trainer.train()
`;

/** The curves of the demo notebook's training: eval loss turns up after a few evals while token accuracy keeps rising. */
export const DEMO_NOTEBOOK_PROFILE = { seed: 23, lossFloor: 1.4, turn: 4, rise: 0.009, base: 0.57, gain: 0.05, rate: 10 };
export const DEMO_NOTEBOOK_EVALS = 30;

/** transformers' `text_to_html_table` (utils/notebook.py): floats as `f"{v:.6f}"`, the rest as `str(v)`. */
function htmlTable(columns, rows) {
  let html = '<table border="1" class="dataframe">\n  <thead>\n <tr style="text-align: left;">\n';
  for (const column of columns) html += `      <th>${column}</th>\n`;
  html += '    </tr>\n  </thead>\n  <tbody>\n';
  for (const row of rows) html += `    <tr>\n${row.map((value) => `      <td>${value}</td>\n`).join('')}    </tr>\n`;
  return `${html}  </tbody>\n</table><p>`;
}

const lines = (text) => text.split(/(?<=\n)/);

/**
 * The demo workspace's `finetune.ipynb`: the same SFTTrainer as train.py, run in a notebook and saved with its
 * outputs. Its training cell holds the progress table NotebookProgressCallback draws (transformers 5.x, TRL's
 * columns): one row per evaluation, eval loss rising from the fifth while mean token accuracy keeps improving.
 */
export function demoNotebook() {
  const curves = trainingCurves(DEMO_NOTEBOOK_PROFILE);
  const rows = [];
  for (let k = 1; k <= DEMO_NOTEBOOK_EVALS; k++) {
    const step = k * 50;
    rows.push([
      step,
      curves.trainLoss(step).toFixed(6),
      curves.evalLoss(k).toFixed(6),
      (1.9 - k / 60).toFixed(6),
      (step * 8192).toFixed(6),
      curves.evalAccuracy(k).toFixed(6),
    ]);
  }
  const steps = DEMO_NOTEBOOK_EVALS * 50;
  const table =
    `\n    <div>\n      \n      <progress value='${steps}' max='${steps}' style='width:300px; height:20px; vertical-align: middle;'></progress>\n` +
    `      [${steps}/${steps} 21:14, Epoch 3/3]\n    </div>\n    ` +
    htmlTable(['Step', 'Training Loss', 'Validation Loss', 'Entropy', 'Num Tokens', 'Mean Token Accuracy'], rows);
  const code = (id, count, source, outputs = []) => ({ cell_type: 'code', execution_count: count, id, metadata: {}, outputs, source: lines(source) });
  const notebook = {
    cells: [
      {
        cell_type: 'markdown',
        id: 'intro',
        metadata: {},
        source: lines('# Fine-tuning in a notebook\n\nThe Trainer drew its progress table below when this notebook ran: open the panel to see it as runs.'),
      },
      code('config', 1, DEMO_TRAIN_PY.slice(0, DEMO_TRAIN_PY.indexOf('trainer = ')).trimEnd()),
      code('train', 2, 'trainer = SFTTrainer(model=model, args=args, train_dataset=train, eval_dataset=evaluation)\ntrainer.train()', [
        { output_type: 'display_data', data: { 'text/html': table, 'text/plain': '<IPython.core.display.HTML object>' }, metadata: {} },
      ]),
    ],
    metadata: { kernelspec: { display_name: 'Python 3', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(notebook, null, 1)}\n`;
}
