import type { Node } from 'web-tree-sitter';

/**
 * What the names of a script stand for: `TA` -> `transformers.TrainingArguments`, `pl` -> `lightning.pytorch`,
 * plus the modules imported with `*`. Rules match on these qualified names, so aliases cannot hide a call.
 */
export interface Imports {
  readonly aliases: ReadonlyMap<string, string>;
  readonly starModules: readonly string[];
}

function dottedText(node: Node | null): string | null {
  if (node === null) return null;
  return node.text.replace(/\s+/g, '');
}

export function collectImports(root: Node): Imports {
  const aliases = new Map<string, string>();
  const starModules: string[] = [];
  for (const statement of root.descendantsOfType(['import_statement', 'import_from_statement'])) {
    const module = statement.type === 'import_from_statement' ? dottedText(statement.childForFieldName('module_name')) : null;
    if (statement.type === 'import_from_statement' && module === null) continue;
    if (statement.namedChildren.some((child) => child.type === 'wildcard_import') && module !== null) {
      starModules.push(module);
      continue;
    }
    for (const name of statement.childrenForFieldName('name')) {
      const aliased = name.type === 'aliased_import';
      const imported = dottedText(aliased ? name.childForFieldName('name') : name);
      if (imported === null) continue;
      const full = module === null ? imported : `${module}.${imported}`;
      const alias = aliased ? dottedText(name.childForFieldName('alias')) : null;
      if (alias !== null) aliases.set(alias, full);
      // `import a.b` binds `a`, and `a.b.C` is then written out in full.
      else if (module === null) aliases.set(imported.split('.')[0] as string, imported.split('.')[0] as string);
      else aliases.set(imported, full);
    }
  }
  return { aliases, starModules };
}

/**
 * Names the rules look for, by the star-importable modules that export them (a module is known by its name or a
 * parent's: `fastai.vision.all`). Only these decide which of several star imports binds a bare name.
 */
const STAR_EXPORTS: readonly (readonly [RegExp, ReadonlySet<string>])[] = [
  [/^fastai\b/, new Set(['SaveModelCallback', 'EarlyStoppingCallback', 'ReduceLROnPlateau', 'TrackerCallback'])],
  [
    /^torch\.optim\.lr_scheduler$/,
    new Set(['ReduceLROnPlateau', 'StepLR', 'CosineAnnealingLR', 'LambdaLR', 'OneCycleLR', 'ExponentialLR', 'MultiStepLR', 'LinearLR']),
  ],
  [/^(?:tensorflow\.|tf_)?keras\.callbacks$/, new Set(['EarlyStopping', 'ModelCheckpoint', 'ReduceLROnPlateau'])],
  [/^(?:lightning\.pytorch|pytorch_lightning)\.callbacks$/, new Set(['EarlyStopping', 'ModelCheckpoint'])],
  [/^transformers$/, new Set(['TrainingArguments', 'Seq2SeqTrainingArguments', 'Trainer', 'Seq2SeqTrainer', 'EarlyStoppingCallback'])],
  [/^trl$/, new Set(['SFTConfig', 'SFTTrainer'])],
];

function exportsOf(module: string): ReadonlySet<string> | undefined {
  return STAR_EXPORTS.find(([pattern]) => pattern.test(module))?.[1];
}

/**
 * The qualified name of a dotted name as written, or null when its first part was not imported. A bare
 * name that only star imports can explain is qualified against them: when they all come from one package
 * (`from fastai.vision.all import *` twice over is still fastai), against the first; else against the last
 * one known to export it, as Python binds it (`from fastai.vision.all import *` then `from
 * torch.optim.lr_scheduler import *` makes `ReduceLROnPlateau` torch's); rules only look at the package and the name.
 */
export function qualify(imports: Imports, dotted: string): string | null {
  const [head, ...rest] = dotted.split('.');
  if (head === undefined || head === '') return null;
  const bound = imports.aliases.get(head);
  if (bound !== undefined) return [bound, ...rest].join('.');
  const [first] = imports.starModules;
  if (first === undefined) return null;
  const root = first.split('.')[0];
  if (imports.starModules.every((module) => module.split('.')[0] === root)) return `${first}.${dotted}`;
  const exporter = [...imports.starModules].reverse().find((module) => exportsOf(module)?.has(head) === true);
  return exporter === undefined ? null : `${exporter}.${dotted}`;
}
