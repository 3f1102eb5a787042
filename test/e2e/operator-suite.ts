/**
 * The set-up the operator's e2e suites share: the CRD installed once, and per test a namespace and
 * an operator process watching it, each undone after the test, last first.
 *
 *   const e2e = operatorSuite();                     // at the top of a suite: beforeAll + afterEach
 *   e2e.namespace(prefix, options?)                  → the name of a fresh namespace (deleted after)
 *   e2e.operator(namespace, options?)                → the operator process on it (SIGKILLed after)
 *   e2e.withOperator(prefix, { namespace?, operator? }) → { ns, op }: both of the above
 *   e2e.defer(cleanup)                               → run after the test (before what came earlier)
 */
import { afterEach, beforeAll } from 'vitest';
import { e2eKubeconfigPath as kubeconfig } from '../support/operator.ts';
import { installCrd } from './kube.ts';
import { createTestNamespace, type TestNamespaceOptions } from './namespace.ts';
import { type OperatorProcess, type StartOperatorOptions, startOperator } from './operator-process.ts';

export interface OperatorSuite {
  defer(cleanup: () => Promise<unknown> | unknown): void;
  namespace(prefix: string, options?: TestNamespaceOptions): Promise<string>;
  operator(namespace: string, options?: Partial<StartOperatorOptions>): Promise<OperatorProcess>;
  withOperator(
    prefix: string,
    options?: { namespace?: TestNamespaceOptions; operator?: Partial<StartOperatorOptions> },
  ): Promise<{ ns: string; op: OperatorProcess }>;
}

export function operatorSuite(): OperatorSuite {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  beforeAll(async () => {
    await installCrd(kubeconfig());
  });
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  const suite: OperatorSuite = {
    defer: (cleanup) => {
      cleanups.push(cleanup);
    },
    async namespace(prefix, options) {
      const ns = await createTestNamespace(kubeconfig(), prefix, options);
      cleanups.push(ns.cleanup);
      return ns.name;
    },
    async operator(namespace, options = {}) {
      const op = await startOperator({ kubeconfig: kubeconfig(), namespaces: [namespace], ...options });
      cleanups.push(() => op.stop('SIGKILL'));
      return op;
    },
    async withOperator(prefix, options = {}) {
      const ns = await suite.namespace(prefix, options.namespace);
      return { ns, op: await suite.operator(ns, options.operator) };
    },
  };
  return suite;
}
