// Fixtures for the cdk8s tests: a chart to put constructs in, props built from a default plus
// small options, and the example MicroServices from examples/*.yaml.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chart, type ChartProps, Testing } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { type MicroService as MicroServiceObject, parseMicroService } from '../api/index.ts';
import type { MicroServiceProps } from './props.ts';

export function chart(props: ChartProps = {}): Chart {
  return new Chart(Testing.app(), 'test', props);
}

type PropsOption = (props: MicroServiceProps) => MicroServiceProps;

export function microServiceProps(...options: PropsOption[]): MicroServiceProps {
  let props: MicroServiceProps = {
    image: 'registry.example.com/shop/order:1.4.2',
    ports: [{ name: 'http', port: 8080 }],
  };
  for (const option of options) props = option(props);
  return props;
}

export const withAutoscaling =
  (minReplicas: number, maxReplicas: number): PropsOption =>
  (p) => ({ ...p, autoscaling: { minReplicas, maxReplicas } });
export const withReplicas =
  (replicas: number): PropsOption =>
  (p) => ({ ...p, replicas });
export const withoutPorts: PropsOption = (p) => ({ ...p, ports: [] });
export const withMesh =
  (mesh: NonNullable<MicroServiceProps['mesh']>): PropsOption =>
  (p) => ({ ...p, mesh });
export const withGo =
  (go: NonNullable<NonNullable<MicroServiceProps['runtime']>['go']>): PropsOption =>
  (p) => ({ ...p, runtime: { go } });
export const withMetadata =
  (metadata: NonNullable<MicroServiceProps['metadata']>): PropsOption =>
  (p) => ({ ...p, metadata });

/** The spec fields of a custom resource as construct props (the inverse of what the constructs build). */
export function propsOf(ms: MicroServiceObject): MicroServiceProps {
  const { name, namespace, labels, annotations } = ms.metadata;
  return {
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
    },
    ...ms.spec,
  };
}

const EXAMPLES = new URL('../examples/', import.meta.url).pathname;

/** Every MicroService in examples/*.yaml, validated, with the file it came from. */
export function exampleMicroServices(): { file: string; ms: MicroServiceObject }[] {
  const out: { file: string; ms: MicroServiceObject }[] = [];
  for (const file of readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml'))
    .sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(EXAMPLES, file), 'utf8'))) {
      const value = doc.toJS() as { kind?: string } | null;
      if (value?.kind !== 'MicroService') continue;
      const result = parseMicroService(value);
      if (!result.ok) throw new Error(`examples/${file}: ${JSON.stringify(result.issues)}`);
      out.push({ file, ms: result.value });
    }
  }
  return out;
}
