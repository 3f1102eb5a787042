// The namespace kubectl applies an object without metadata.namespace to, read offline (no cluster,
// no credentials): the current context's `namespace` in the kubeconfig kubectl reads ($KUBECONFIG's
// files, the first to set current-context and the first context of that name winning, as kubectl
// merges them; else ~/.kube/config), else `default`
// (https://kubernetes.io/docs/concepts/configuration/organize-cluster-access-kubeconfig/#merging-kubeconfig-files).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';

export interface KubectlNamespace {
  readonly namespace: string;
  /** Where it came from, for messages: `default` when no context namespace is set. */
  readonly from: string;
}

type Doc = { 'current-context'?: unknown; contexts?: unknown };

function read(path: string): Doc | undefined {
  try {
    const doc = parse(readFileSync(path, 'utf8')) as unknown;
    return doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Doc) : undefined;
  } catch {
    return undefined;
  }
}

export function kubectlNamespace(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): KubectlNamespace {
  const files = env['KUBECONFIG']
    ? env['KUBECONFIG'].split(delimiter).filter(Boolean)
    : [join(home, '.kube', 'config')];
  const docs = files.filter((f) => existsSync(f)).flatMap((f) => read(f) ?? []);
  const current = docs.map((d) => d['current-context']).find((c) => typeof c === 'string' && c !== '');
  if (current !== undefined) {
    for (const doc of docs) {
      const contexts = Array.isArray(doc.contexts) ? (doc.contexts as { name?: unknown; context?: unknown }[]) : [];
      const entry = contexts.find((c) => c?.name === current);
      if (entry === undefined) continue;
      const namespace = (entry.context as { namespace?: unknown } | undefined)?.namespace;
      if (typeof namespace === 'string' && namespace !== '')
        return { namespace, from: `the namespace of kubeconfig context ${current}` };
      break;
    }
  }
  return { namespace: 'default', from: 'default' };
}
