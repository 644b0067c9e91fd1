/**
 * Three test tiers (STYLE.md): unit `*.spec.ts` beside the code, integration `*.int-spec.ts`
 * under test/integration against the machine's real Postgres and Redis, and e2e `*.e2e-spec.ts`
 * that boot real apps against the sandbox. `npm test` runs all three.
 */
const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2022',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

const common = {
  testEnvironment: 'node',
  rootDir: __dirname,
  transform: { '^.+\\.(t|j)s$': swc },
  moduleNameMapper: {
    '^@app/([a-z-]+)$': '<rootDir>/libs/$1/src',
    '^@apps/([a-z-]+)$': '<rootDir>/apps/$1/src',
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/'],
  // ESM-only packages Jest's CommonJS runtime cannot require (Node itself can): compiled by SWC.
  // content-disposition 2 is loaded by @fastify/static, which serves Swagger UI at /docs.
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition)/)'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{apps,libs,scripts,bench,test/unit}/**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.int-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeout-integration.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{test/e2e,libs}/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/test/setup/timeout-e2e.ts'],
    },
  ],
};
