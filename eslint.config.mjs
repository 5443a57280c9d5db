// @ts-check
// ESLint flat config: typescript-eslint's recommended rules (through Nx's presets) and the Nx
// module boundaries, enforced from the tags in every project.json:
//
//   scope:shared   libs every service may use            scope:<service>  one service (its lib and its app)
//   type:util      no I/O: contracts, config, crypto, http-kit
//   type:data-access  talks to PostgreSQL, Kafka or other services: event-store, messaging, service-clients
//   type:feature   a service's code (libs/<service>): what its process entry and the embedded default compose
//   type:testing   test infrastructure (libs/testing): spec files only
//   type:app       a deployable app: a process entry (apps/<service>/src/main.ts) or the embedded composition
import nx from '@nx/eslint-plugin';

const TS_AND_JS = ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'];
/** Spec files and the test kits next to them (an app's src/testing/ folder, imported by specs only). */
const SPECS = ['**/*.spec.ts', '**/*.test.ts', 'apps/*/src/testing/**/*.ts'];

/** Who may depend on whom. `testing` is added for spec files only (see `boundaries`). */
const typeRules = {
  'type:util': ['type:util'],
  'type:data-access': ['type:data-access', 'type:util'],
  'type:feature': ['type:feature', 'type:data-access', 'type:util'],
  'type:testing': ['type:data-access', 'type:util'],
  // Apps depend on anything but apps (Nx itself reports every import of an application project).
  'type:app': ['type:feature', 'type:data-access', 'type:util'],
};
const scopeRules = {
  'scope:shared': ['scope:shared'],
  'scope:gateway': ['scope:gateway', 'scope:shared'],
  'scope:identity': ['scope:identity', 'scope:shared'],
  'scope:totp': ['scope:totp', 'scope:shared'],
  'scope:audit': ['scope:audit', 'scope:shared'],
  'scope:passcode': ['scope:passcode', 'scope:shared'],
  'scope:passkey': ['scope:passkey', 'scope:shared'],
  'scope:appkey': ['scope:appkey', 'scope:shared'],
  'scope:biometric': ['scope:biometric', 'scope:shared'],
  // The embedded default is every service in one process: it may use every scope.
  'scope:embedded': ['*'],
};

/**
 * libs/testing migrates databases with event-store and grants requests in-process with http-kit
 * (the credential-service stand-ins), and the integration specs of event-store and http-kit use
 * libs/testing: cycles through spec files only (production code of event-store and http-kit never
 * imports testing; the rule below keeps it that way). Likewise the unit specs of contracts take
 * libs/testing's key material (push provider keys, attestation certificates).
 */
const IGNORED_CYCLES = [
  ['event-store', 'testing'],
  ['http-kit', 'testing'],
  ['contracts', 'testing'],
];

/** @param {{ spec: boolean }} where */
const boundaries = ({ spec }) => [
  'error',
  {
    enforceBuildableLibDependency: true,
    ignoredCircularDependencies: IGNORED_CYCLES,
    depConstraints: [
      ...Object.entries(typeRules).map(([sourceTag, allowed]) => ({
        sourceTag,
        onlyDependOnLibsWithTags:
          spec && sourceTag !== 'type:testing' ? [...allowed, 'type:testing'] : allowed,
      })),
      ...Object.entries(scopeRules).map(([sourceTag, allowed]) => ({
        sourceTag,
        onlyDependOnLibsWithTags: allowed,
      })),
    ],
  },
];

export default [
  {
    ignores: [
      '**/generated/**',
      '**/dist/**',
      '**/.cache/**',
      '**/node_modules/**',
      '**/.nx/**',
      '**/.data/**',
      '**/coverage/**',
      '**/tmp/**',
    ],
  },
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    files: TS_AND_JS,
    rules: {
      '@nx/enforce-module-boundaries': boundaries({ spec: false }),
      // Deliberate no-ops (`onLog: () => {}`, a transport whose topics need no creation) are fine;
      // typescript-eslint's own recommended set no longer has this rule, Nx's preset re-adds it.
      '@typescript-eslint/no-empty-function': 'off',
      // `let x; const lazy = () => x; x = ...` (late binding for mutually dependent modules) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // `_`-prefixed names are deliberately unused (destructuring a field away, unused parameters).
      '@typescript-eslint/no-unused-vars': [
        'warn',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
    },
  },
  { files: SPECS, rules: { '@nx/enforce-module-boundaries': boundaries({ spec: true }) } },
  {
    // Node scripts and CommonJS config files.
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        exports: 'writable',
        process: 'readonly',
        console: 'readonly',
        __dirname: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
];
