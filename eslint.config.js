import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'node_modules/',
      'data/',
      'web/dist/',
      'test-results/',
      '.tmp/',
      'bench/.cache/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain JavaScript modules (bench children, example handlers) run on Node.
    files: ['**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
    },
  },
  {
    // The example handlers are plain Node.js modules users copy.
    files: ['examples/**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', fetch: 'readonly', Buffer: 'readonly', console: 'readonly' },
    },
  },
)
