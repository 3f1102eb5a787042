// Three projects: `unit` needs nothing but Node; `package` packs and installs packages/ (npm registry); `e2e` runs against the real local control plane
// that test/e2e/global-setup.ts starts once per run (see tools/ and docs/development.md).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{api,render,import,yaml,cdk8s,cli,operator,test,bench,tools,examples,charts}/**/*.test.ts'],
          exclude: ['**/*.e2e.test.ts', 'test/package/**', '**/node_modules/**', '**/dist/**', '**/.build/**'],
          testTimeout: 30_000,
        },
      },
      {
        // The packed packages installed in fresh projects outside the repository (npm pack + npm
        // install once per run, about a minute): `make test` and `make release-check`.
        test: {
          name: 'package',
          include: ['test/package/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{api,operator,test,charts,tools,cdk8s,bench,examples,cli}/**/*.e2e.test.ts'],
          exclude: ['**/node_modules/**', '**/dist/**', '**/.build/**'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 600_000,
          // One control plane is shared; suites isolate themselves by namespace.
          fileParallelism: false,
        },
      },
    ],
  },
});
