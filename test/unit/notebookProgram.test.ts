import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cellSpan, notebookProgram, pythonOfCell } from '../../src/node/python/notebookProgram';

describe("IPython's lines are blanked, offsets kept", () => {
  test('line magics, shell escapes, captured shell output and help become spaces of the same length', () => {
    const cell = '%matplotlib inline\n!pip install -q trl\nfiles = !ls data\nt = %timeit f()\nTrainer?\n?Trainer\nx = 1\n  %load_ext autoreload\n';
    const python = pythonOfCell(cell);
    assert.equal(python.length, cell.length);
    assert.deepEqual(
      python.split('\n').map((line) => line.trim()),
      ['', '', '', '', '', '', 'x = 1', '', ''],
    );
  });

  test('Python that only looks like a magic is kept: modulo, not-equal, a comparison', () => {
    const cell = 'y = a % b\nif a != b:\n    pass\nz = a == b\nprint("%d" % 3)\n';
    assert.equal(pythonOfCell(cell), cell);
  });

  test('a shell line continued with a backslash takes its continuation along; \\r\\n line ends stay', () => {
    const cell = '!pip install \\\r\n   transformers\r\nimport os\r\n';
    assert.equal(pythonOfCell(cell), `${' '.repeat(14)}\r\n${' '.repeat(15)}\r\nimport os\r\n`);
  });

  test('%%time runs its body as Python; %%bash and %%writefile make the cell not Python', () => {
    assert.equal(pythonOfCell('%%time\ntrainer.train()\n'), '      \ntrainer.train()\n');
    assert.equal(pythonOfCell('\n%%capture out\nx = 1'), '\n             \nx = 1');
    assert.equal(pythonOfCell('%%bash\nls -l\n').trim(), '');
    assert.equal(pythonOfCell('%%writefile train.py\nimport transformers\n').trim(), '');
  });
});

describe('cells in one program', () => {
  const cells = ['import a\n', '%cd /tmp\nb = 1', '', 'c = 2\n'];
  const program = notebookProgram(cells);

  test('each cell starts where its offsets say, on a line of its own', () => {
    assert.equal(program.text, 'import a\n\n        \nb = 1\n\nc = 2\n');
    for (const [i, cell] of cells.entries()) {
      const part = program.parts[i] ?? assert.fail();
      assert.equal(part.length, cell.length);
      assert.equal(program.text.slice(part.start, part.start + part.length).length, cell.length);
      if (i > 0) assert.equal(program.text[part.start - 1], '\n');
    }
  });

  test('a span maps back to its cell and offsets there; one across two cells maps nowhere', () => {
    const b = program.text.indexOf('b = 1');
    assert.deepEqual(cellSpan(program.parts, { start: b, end: b + 5 }), { cell: 1, span: { start: 9, end: 14 } });
    const c = program.text.indexOf('c = 2');
    assert.deepEqual(cellSpan(program.parts, { start: c, end: c + 1 }), { cell: 3, span: { start: 0, end: 1 } });
    assert.equal(cellSpan(program.parts, { start: b, end: c + 1 }), undefined);
    assert.equal(cellSpan(program.parts, { start: program.text.length + 5, end: program.text.length + 6 }), undefined);
  });

  test('an empty notebook is an empty program', () => {
    assert.deepEqual(notebookProgram([]), { text: '', parts: [] });
  });
});
