import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';
import fc from 'fast-check';
import { escapeMarkdown, visibleText } from '../../src/core/displayText';
import { formatText } from '../../src/core/reportText';
import { buildRunView } from '../../src/core/runView';
import { statusTooltip } from '../../src/core/statusText';
import type { ReportDocument } from '../../src/core/report';
import { fixtureStore } from '../fixtures/runs';

/** A run name that is also an attack: it ends the table row, opens a code fence, a heading, HTML, an icon, a link, a formula. */
const HOSTILE =
  'sft\n~~~\n# pwned\n<img src=x onerror=alert(1)> $(zap) [click](command:workbench.action.quit) | x | $E=mc^2$ &amp; ==mark== _e_\u202ereversed\u001b[31mred';

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/;

test('escapeMarkdown: no control character survives and every ASCII punctuation character is escaped, for any text', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (text) => {
      const escaped = escapeMarkdown(text);
      assert.doesNotMatch(escaped, CONTROL);
      // Every punctuation character is preceded by an odd run of backslashes: the one escaping it, after escaped backslashes.
      for (const match of escaped.matchAll(/(\\*)([!-/:-@[-`{-~])/g)) {
        if (match[2] === '\\') continue;
        assert.equal((match[1]?.length ?? 0) % 2, 1, `${JSON.stringify(match[2])} unescaped in ${JSON.stringify(escaped)}`);
      }
    }),
    { numRuns: 500 },
  );
  assert.equal(escapeMarkdown('a~b=c$d|e'), 'a\\~b\\=c\\$d\\|e');
  assert.equal(escapeMarkdown('x\ny'), 'x\\\\ny');
});

test('visibleText writes out line breaks, ANSI escapes and bidi overrides; plain text is unchanged', () => {
  assert.equal(visibleText('run\n\u001b[2J\u202eabc\u0000'), 'run\\n\\e[2J\\u{202e}abc\\u{0}');
  assert.equal(visibleText('eval/loss (step 10) — ünïcödé 🙂'), 'eval/loss (step 10) — ünïcödé 🙂');
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (text) => assert.doesNotMatch(visibleText(text), CONTROL)));
});

/** markdown-it (a CommonMark renderer; VS Code's is marked), when installed with the packaging tools. */
function markdownRenderer(): { render(text: string): string } | undefined {
  try {
    const MarkdownIt = createRequire(__filename)('markdown-it') as new (options: object) => { render(text: string): string };
    return new MarkdownIt({ html: true, linkify: false });
  } catch {
    return undefined;
  }
}
const renderer = markdownRenderer();

test(
  'the status-bar hover card of a run with a hostile name renders as one table and the name as text',
  { skip: renderer === undefined ? 'markdown-it not installed' : false },
  () => {
    const store = fixtureStore();
    const view = buildRunView(store.snapshot('/ws/sft-run') ?? assert.fail(), HOSTILE);
    const other = buildRunView(store.snapshot('/ws/healthy') ?? assert.fail(), 'healthy');
    const html = renderer?.render(statusTooltip(other, [view, other])) ?? '';
    const own = renderer?.render(statusTooltip(view, [view, other])) ?? '';
    for (const rendered of [html, own]) {
      assert.doesNotMatch(rendered, /<pre|<code|<h1|<img|<mark|<em>e/);
      assert.equal(rendered.match(/<a /g)?.length, 2, "only the card's own command links (open the panel, choose another run)");
    }
    assert.equal(own.match(/<table>/g)?.length, 1);
    assert.equal(own.match(/<tr>/g)?.length, 5, 'the header row and four rows, none added or cut by the name');
    // The name is all there, as text (markdown-it writes < and & as entities).
    assert.match(
      own,
      /sft\\n~~~\\n# pwned\\n&lt;img src=x onerror=alert\(1\)&gt; \$\(zap\) \[click\]\(command:workbench\.action\.quit\) \| x \| \$E=mc\^2\$ &amp;amp; ==mark== _e_\\u\{202e\}reversed\\e\[31mred/,
    );
  },
);

test('the CLI text report prints a hostile run name, key, path and problem with its controls written out', () => {
  const document: ReportDocument = {
    runs: [
      {
        id: '/w/run\u001b[2J\nfake',
        sources: [{ path: '/w/run\u001b[2J\nfake/log\u0007.jsonl', format: 'jsonl' }],
        metrics: {},
        roles: { evalLoss: 'eval\u001b]0;title\u0007_loss', evalAccuracy: null, trainLoss: null },
        accuracyDefinition: null,
        best: { byLoss: null, byAccuracy: null },
        warnings: [],
      },
    ],
    problems: [{ path: '/w/bad\r\nname.jsonl', message: 'Line 1 is not JSON: "\u001b[31mred\u202e"' }],
  };
  const text = formatText(document);
  assert.doesNotMatch(text.replace(/\n/g, ''), CONTROL);
  assert.match(text, /^Run \/w\/run\\e\[2J\\nfake$/m);
  assert.match(text, /eval loss: eval\\e\]0;title\\u\{7\}_loss;/);
  assert.match(text, /^problem: \/w\/bad\\r\\nname\.jsonl: Line 1 is not JSON: "\\e\[31mred\\u\{202e\}"$/m);
});
