// ESLint for the whole repository (flat config): JavaScript and typescript-eslint's recommended
// rules everywhere, the React hooks rules in the client. `npm run lint`; scripts/lint.test.ts runs
// it in the suite. Formatting is Prettier's job (.prettierrc), so no stylistic rules here.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['build/', 'client/dist/', 'data/', '.deps/', '.gpu/', 'test-results/', 'native/src/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: globals.node },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `_name` marks a binding kept on purpose: a parameter before a used one, a key left out of a rest.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['client/src/**/*.{ts,tsx}'],
    extends: [reactHooks.configs.flat.recommended],
    languageOptions: { globals: globals.browser },
    rules: {
      // It only says the React Compiler would skip a component (TanStack Table's hooks); EGen does not use the compiler.
      'react-hooks/incompatible-library': 'off',
    },
  },
);
