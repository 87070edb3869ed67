// ESLint (flat config) with typescript-eslint; formatting is Prettier's job (eslint-config-prettier
// turns off the stylistic rules). Chosen over Biome because Biome's per-platform binaries are not all
// in the registry these machines reach, which makes `npm ci` refuse the lock file.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'test-artifacts/**', '.d2s/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always'],
    },
  },
  {
    files: ['**/*.test.ts', '**/test-support/**', 'packages/testkit/**', 'test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
  {
    // Each emulator is written from its vendor's documentation on its own (DESIGN.md): it imports neither
    // the other emulator nor anything of d2s. The two meet only over HTTP and in the object-store directory.
    files: ['packages/databricks-emulator/**', 'packages/snowflake-emulator/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@d2s/*', '**/packages/**', '**/apps/**', '**/scripts/**', '**/shared/**', '**/*-emulator/**'],
              message: 'An emulator package imports only its own files and third-party packages.',
            },
          ],
        },
      ],
    },
  },
  {
    // ... and no production code imports an emulator: tests may (they hand real clients an emulator).
    files: ['packages/shared/**', 'apps/**'],
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@d2s/*-emulator', '**/*-emulator/**'],
              message: 'Production code never imports an emulator; only tests, scripts/ and bench/ do.',
            },
            {
              group: ['@d2s/testkit', '@d2s/testkit/*', '**/testkit/**'],
              message: 'Production code never imports the testkit; test helpers live in packages/testkit.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
  },
  prettier,
);
