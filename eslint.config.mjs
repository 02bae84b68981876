// ESLint with type-aware rules (typescript-eslint). The domain stays free of vendor SDKs.
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.cache/', '.local/', 'coverage/', 'eslint.config.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  // Layout is Prettier's (.prettierrc.json, checked in .ci/run): no ESLint rule argues with it.
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['shared/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@azure/*', '@elastic/*', '@pulumi/*', 'ioredis', 'applicationinsights'],
              message: 'The domain is pure: no vendor SDKs.',
            },
            {
              group: ['../adapters/*', '../local/*', '../composition'],
              message: 'The domain does not depend on adapters.',
            },
          ],
        },
      ],
    },
  },
  // Small units (issue 16): no function over 60 lines of code in the app; a longer one needs its reason beside it.
  {
    files: ['shared/**/*.ts', 'functions/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }] },
  },
  // The pages' browser scripts (issue 17): plain JavaScript served as is, checked without type information.
  {
    files: ['web/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { sourceType: 'script', parserOptions: { projectService: false, project: null } },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
