// The lint rules that, with tsconfig.core.json, hold the layer boundaries: src/core imports nothing outside itself,
// and src/node and the CLI never reach VS Code.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', '.vscode-test/**', '.demo/**', 'test-results/**', '.venv-trainers*/**', 'scripts/**', '**/*.mjs'] },
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-non-null-assertion': 'error',
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^(?!\\.{1,2}/)', message: 'src/core is pure: it imports only other src/core modules (no vscode, no node:, no packages).' },
            { regex: '^\\.\\./\\.\\./', message: 'src/core must not import from outside src/core.' },
            { regex: '^\\.\\./(node|vscode|cli|protocol)', message: 'src/core must not import from outside src/core.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/node/**/*.ts', 'src/cli.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'vscode', message: 'src/node and the CLI run outside VS Code: the adapter in src/vscode hands them what they need.' }],
          patterns: [{ regex: '^\\.\\.?/(\\.\\./)?vscode/', message: 'src/node and the CLI must not import the VS Code adapter.' }],
        },
      ],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./src/(node|vscode)/', message: 'The webview may use src/protocol and src/core only.' }] },
      ],
    },
  },
);
