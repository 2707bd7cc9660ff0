// ESLint for every JavaScript file of the project: the page (web/), the benchmark page
// (bench/page/), the Pyodide test harness (tests/browser/pyodide_harness/) and the unit tests
// (tests/js/). tests/builder/test_jslint.py runs it and fails on any finding, warnings included.
//
// The base is @eslint/js's recommended rules (real mistakes: undefined names, unused variables,
// unreachable code...), plus a few that keep the modules plain: no `var`, `===`, no console.log
// left behind (console.info/warn/error are the page's way to report). Style (quotes, spacing) is
// not linted: the code follows the nearby code.

import js from '@eslint/js';
import globals from 'globals';

export default [
  {
    ignores: ['**/node_modules/**', 'dist/**', '**/vendor/**', 'test-artifacts/**', '.cache/**'],
  },
  js.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      'no-var': 'error',
      'prefer-const': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': ['error', { allow: ['info', 'warn', 'error'] }],
      'no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-shadow': 'off',
    },
  },
  {
    // Workers: the Python worker and the service worker (sw.js, the benchmark's worker).
    files: ['web/python/worker.js', 'web/sw.js', 'bench/page/pyodide-worker.js'],
    languageOptions: { globals: { ...globals.worker, ...globals.serviceworker } },
  },
  {
    // The benchmark page uses TensorFlow.js's UMD build: a global `tf`.
    files: ['bench/page/**/*.js'],
    languageOptions: { globals: { ...globals.browser, tf: 'readonly' } },
  },
  {
    // Node: the unit tests and this file.
    files: ['tests/js/**/*.mjs', 'eslint.config.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    // A classic script (not a module): the page's file:// check runs before any module.
    files: ['web/page/file-check.js'],
    languageOptions: { sourceType: 'script' },
  },
];
