// Props → a validated MicroService custom resource: the one object both constructs are built from.
// `MicroService` renders it; `MicroServiceResource` emits it. Holding it in one place is what lets
// a team switch between the two modes without a single rendered byte changing.
import { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import {
  API_GROUP,
  API_VERSION,
  KIND,
  type MicroService as MicroServiceObject,
  MicroServiceValidationError,
  parseMicroService,
} from '../api/index.ts';
import { isKplusServiceAccount, kplusNamespace, serviceAccountFromKplus } from './kplus.ts';
import type { MicroServiceEnvFrom, MicroServiceEnvVar, MicroServiceProps } from './props.ts';

/** JSON round trip: drops `undefined` (as the API server would), copies deeply, rejects non-data. */
function plainData<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Where the construct sits: enough to name it and find its namespace before it exists. */
export interface ConstructPlace {
  readonly scope: Construct;
  readonly id: string;
}

/**
 * The MicroService a construct stands for. Validated at construction and after every change, so
 * an invalid spec fails where it is written, with the construct path and the field path.
 */
export class MicroServiceDefinition {
  /** Construct path, for messages. */
  private readonly path: string;
  private value: MicroServiceObject;
  private revision = 0;

  constructor(place: ConstructPlace, props: MicroServiceProps) {
    const parentPath = place.scope.node.path;
    this.path = parentPath === '' ? place.id : `${parentPath}/${place.id}`;
    const { metadata = {}, serviceAccount, ...specProps } = props;
    const name = metadata.name ?? place.id;
    const chart = Chart.of(place.scope);
    const namespace = metadata.namespace ?? chart.namespace;
    // The Chart's labels land on the custom resource in MicroServiceResource mode; taking them into
    // the definition here too keeps both modes rendering the same (app.kubernetes.io/part-of).
    const labels = { ...chart.labels, ...metadata.labels };
    let spec: Record<string, unknown> = { ...specProps };
    if (serviceAccount !== undefined) {
      if (isKplusServiceAccount(serviceAccount)) {
        const saNamespace = kplusNamespace(serviceAccount);
        if (saNamespace !== undefined && namespace !== undefined && saNamespace !== namespace) {
          throw new MicroServiceValidationError(this.describe(name), [
            {
              path: 'spec.serviceAccount',
              message: `the cdk8s-plus ServiceAccount ${serviceAccount.name} is in namespace ${saNamespace}, not ${namespace}: pods can only use one of their own namespace`,
            },
          ]);
        }
        spec['serviceAccount'] = serviceAccountFromKplus(serviceAccount);
      } else {
        spec['serviceAccount'] = serviceAccount;
      }
    }
    try {
      spec = plainData(spec);
    } catch (error) {
      // A BigInt or a cycle: JSON (what the API server and YAML carry) cannot hold it.
      throw new MicroServiceValidationError(this.describe(name), [
        {
          path: 'spec',
          message: `must be plain data (strings, numbers, booleans, lists and objects): ${(error as Error).message}`,
        },
      ]);
    }
    const candidate = {
      apiVersion: `${API_GROUP}/${API_VERSION}`,
      kind: KIND,
      metadata: plainData({
        name,
        ...(namespace !== undefined ? { namespace } : {}),
        ...(Object.keys(labels).length > 0 ? { labels } : {}),
        ...(metadata.annotations !== undefined ? { annotations: metadata.annotations } : {}),
      }),
      spec,
    };
    this.value = this.validate(candidate, metadata.name === undefined);
  }

  private describe(name: string): string {
    return `MicroService ${JSON.stringify(name)} at ${this.path}`;
  }

  private validate(candidate: unknown, nameFromId: boolean): MicroServiceObject {
    const result = parseMicroService(candidate);
    if (result.ok) return result.value;
    const name = (candidate as { metadata: { name: string } }).metadata.name;
    const issues = result.issues.map((issue) =>
      issue.path === 'metadata.name' && nameFromId
        ? {
            ...issue,
            message: `${issue.message} (the name defaults to the construct id; set props.metadata.name)`,
          }
        : issue,
    );
    throw new MicroServiceValidationError(this.describe(name), issues);
  }

  /** The validated custom resource (a copy; change it through the methods). */
  get resource(): MicroServiceObject {
    return plainData(this.current);
  }

  /**
   * The validated custom resource itself, not a copy: for readers that never change it or hand it
   * out (render(), which is pure, and OrderedApiObject, which synthesizes a copy).
   */
  get current(): Readonly<MicroServiceObject> {
    return this.value;
  }

  /** Bumped on every change: lets constructs cache what they render from it. */
  get version(): number {
    return this.revision;
  }

  get name(): string {
    return this.value.metadata.name;
  }

  get namespace(): string | undefined {
    return this.value.metadata.namespace;
  }

  /** Adds variables after the user's `env` (and before runtime tuning); validated at once. */
  addEnv(...variables: MicroServiceEnvVar[]): void {
    const spec = { ...this.value.spec, env: [...(this.value.spec.env ?? []), ...plainData(variables)] };
    this.replaceSpec(spec);
  }

  /** Adds ConfigMaps and Secrets imported as variables; validated at once. */
  addEnvFrom(...sources: MicroServiceEnvFrom[]): void {
    const spec = { ...this.value.spec, envFrom: [...(this.value.spec.envFrom ?? []), ...plainData(sources)] };
    this.replaceSpec(spec);
  }

  private replaceSpec(spec: unknown): void {
    this.value = this.validate({ ...this.value, spec }, false);
    this.revision++;
  }
}
