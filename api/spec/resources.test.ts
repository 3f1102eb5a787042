import { describe, expect, it } from 'vitest';
import { parseMicroService } from '../validate.ts';
import { cpuLimitSource, defaultCpuLimit, resolveResources } from './resources.ts';

describe('the default CPU limit: max(1, ceil(2 × request)) whole cores', () => {
  it.each([
    ['100m', '1'],
    ['1m', '1'],
    ['500m', '1'],
    ['501m', '2'],
    ['600m', '2'],
    ['1', '2'],
    [1, '2'],
    ['1500m', '3'],
    ['2.2', '5'],
    ['4', '8'],
    ['1e-3', '1'],
    ['1k', '2000'],
  ] as const)('request %s: limit %s', (request, want) => expect(defaultCpuLimit(request)).toBe(want));
});

describe('resolveResources', () => {
  const cases = [
    {
      name: 'no spec.resources: the default block plus CPU limit 1',
      resources: undefined,
      want: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } },
      source: { from: 'default', limit: '1', request: '100m' },
    },
    {
      name: 'a request, no limits: the default limit from it',
      resources: { requests: { cpu: '1500m', memory: '1Gi' } },
      want: { requests: { cpu: '1500m', memory: '1Gi' }, limits: { cpu: '3' } },
      source: { from: 'default', limit: '3', request: '1500m' },
    },
    {
      name: 'a given CPU limit always wins, also with defaultCPULimit true',
      resources: { requests: { cpu: '500m' }, limits: { cpu: '750m' }, defaultCPULimit: true },
      want: { requests: { cpu: '500m' }, limits: { cpu: '750m' } },
      source: { from: 'given', limit: '750m' },
    },
    {
      name: 'a given CPU limit wins over the opt-out too',
      resources: { requests: { cpu: '500m' }, limits: { cpu: '2' }, defaultCPULimit: false },
      want: { requests: { cpu: '500m' }, limits: { cpu: '2' } },
      source: { from: 'given', limit: '2' },
    },
    {
      name: 'opted out: no CPU limit',
      resources: { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '1Gi' }, defaultCPULimit: false },
      want: { requests: { cpu: '2', memory: '1Gi' }, limits: { memory: '1Gi' } },
      source: { from: 'opted-out' },
    },
    {
      name: 'defaultCPULimit alone keeps the default requests and memory limit',
      resources: { defaultCPULimit: false },
      want: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '128Mi' } },
      source: { from: 'opted-out' },
    },
    {
      name: 'defaultCPULimit true alone: the defaults, with the CPU limit',
      resources: { defaultCPULimit: true },
      want: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '128Mi' } },
      source: { from: 'default', limit: '1', request: '100m' },
    },
    {
      name: 'no CPU request: no default limit (Kubernetes would copy it into the request)',
      resources: { limits: { memory: '1Gi' } },
      want: { requests: {}, limits: { memory: '1Gi' } },
      source: { from: 'no-request' },
    },
    {
      name: 'empty resources stay empty',
      resources: {},
      want: { requests: {}, limits: {} },
      source: { from: 'no-request' },
    },
  ] as const;
  it.each(cases)('$name', ({ resources, want, source }) => {
    const spec = resources === undefined ? {} : { resources };
    expect(resolveResources(spec)).toStrictEqual(want);
    expect(cpuLimitSource(spec)).toStrictEqual(source);
  });

  it('defaultCPULimit must be a boolean', () => {
    const parsed = parseMicroService({
      apiVersion: 'msvc.dev/v1alpha1',
      kind: 'MicroService',
      metadata: { name: 'x', namespace: 'default' },
      spec: { image: 'registry.example.com/x:1', resources: { defaultCPULimit: 'no' } },
    });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.issues.map((i) => i.path)).toContainEqual('spec.resources.defaultCPULimit');
  });
});
