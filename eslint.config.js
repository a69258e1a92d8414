import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Each directory knows its room (DESIGN.md, Layout); these rules make the rooms' walls real.
const nodeBuiltins = ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process', 'net', 'http'];

export default tseslint.config(
  { ignores: ['node_modules/', 'data/', '.tools/', 'db/migrations/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON bodies of many shapes.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: nodeBuiltins, message: 'Workflow code is deterministic: no Node APIs.' },
          { group: ['**/db/**', '**/api/**', 'drizzle-orm', 'postgres', '@electric-sql/*'], message: 'Workflows do no I/O; call an activity.' },
          { group: ['**/activities/**'], message: 'Import activities as types only.', allowTypeImports: true },
        ],
      }],
    },
  },
  {
    files: ['domain/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '!./*', '@temporalio/*', 'drizzle-orm', 'hono'], message: 'domain/ imports nothing of ours.' }],
      }],
    },
  },
  {
    files: ['api/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/activities/**'], message: 'The API talks to workflows, never to activities.' }],
      }],
    },
  },
);
