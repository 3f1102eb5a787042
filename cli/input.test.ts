import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFast } from './fast-parse.ts';
import { loadMicroServices, readSources, type Source } from './input.ts';

const source = (name: string, text: string): Source => ({ name, text, fromDirectory: false });

const ORDER = `apiVersion: msvc.dev/v1alpha1
kind: MicroService
metadata:
  name: order
spec:
  image: registry.example.com/order:1.0
  ports:
    - name: http
      port: 8080
`;

describe('loadMicroServices', () => {
  it('reads documents the fast parser takes, and finds line numbers for their errors in the library', () => {
    const text = `${ORDER}---\n${ORDER.replace('port: 8080', 'port: 80800').replace('order', 'other')}`;
    expect(parseFast(text)).toBeDefined();
    const result = loadMicroServices([source('a.yaml', text)]);
    expect(result.services.map((s) => [s.where, s.value.metadata.name, s.value.spec.ports?.[0]?.port])).toEqual([
      ['a.yaml:1', 'order', 8080],
    ]);
    expect(result.errors).toEqual([
      {
        where: 'a.yaml:2',
        path: 'spec.ports[0].port',
        message: 'must be at most 65535 (got 80800)',
        line: 19,
        order: 4,
      },
    ]);
  });

  it('points a duplicate name at its line, in the right document', () => {
    const text = `# two\n---\n${ORDER}---\n${ORDER}`;
    expect(parseFast(text)).toBeDefined();
    const result = loadMicroServices([source('b.yaml', text)]);
    expect(result.errors.map((e) => [e.where, e.line])).toEqual([['b.yaml:2', 16]]);
  });

  it('reads what the fast parser declines with the library, syntax errors included', () => {
    const anchors = `${ORDER.replace('port: 8080', 'port: &p 8080')}  env:\n    - name: PORT\n      value: "*p"\n`;
    expect(parseFast(anchors)).toBeUndefined();
    const broken = `${ORDER}---\nkind: [\n`;
    expect(parseFast(broken)).toBeUndefined();
    const result = loadMicroServices([source('c.yaml', anchors), source('d.yaml', broken.replace('order', 'd'))]);
    expect(result.services.map((s) => s.where)).toEqual(['c.yaml:1', 'd.yaml:1']);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.where).toBe('d.yaml:2');
    expect(result.errors[0]?.message).toMatch(/^YAML syntax error at line 12, column \d+: /);
  });
});

describe('readSources', () => {
  it('reads a directory tree in sorted order without a trip through the event loop per file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'msvc-read-'));
    try {
      mkdirSync(join(dir, 'b'));
      mkdirSync(join(dir, '.hidden'));
      for (const f of ['c.yaml', 'a.json', 'b/x.yml', '.hidden/h.yaml', 'notes.txt']) writeFileSync(join(dir, f), f);
      // Reading file after file with awaited fs/promises calls let this run in between.
      let eventLoopTurned = false;
      setImmediate(() => {
        eventLoopTurned = true;
      });
      const { sources, errors } = await readSources([dir, join(dir, 'missing.yaml')]);
      expect(eventLoopTurned).toBe(false);
      expect(sources.map((s) => [s.name.slice(dir.length + 1), s.text, s.fromDirectory])).toEqual([
        ['a.json', 'a.json', true],
        ['b/x.yml', 'b/x.yml', true],
        ['c.yaml', 'c.yaml', true],
      ]);
      expect(errors).toEqual([{ where: join(dir, 'missing.yaml'), message: 'no such file or directory' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// Issue #14: alias errors escaped from the library's toJS, and deep nesting overflowed the stack.
describe('YAML the library gives up on is a user error, never a stack trace', () => {
  const deepFlow = `a: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  const deepJson = `{"a": ${'['.repeat(100_000)}${']'.repeat(100_000)}}\n`;
  let deepBlock = 'a:\n';
  for (let i = 1; i < 3000; i++) deepBlock += `${' '.repeat(i)}b:\n`;
  let bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\n';
  for (let i = 1; i < 10; i++) {
    const prev = String.fromCharCode(96 + i);
    bomb += `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]\n`;
  }
  it.each([
    ['an alias to no anchor', `${ORDER}  command: [*nope]\n`, /YAML alias error: .*nope.*write the value out/],
    ['an alias to an anchor of another document', `a: &x 1\n---\n${ORDER}  command: [*x]\n`, /YAML alias error/],
    ['an alias bomb', bomb, /YAML alias error: Excessive alias count/],
    ['deep flow nesting', deepFlow, /nested too deeply/],
    ['deep JSON nesting', deepJson, /nested too deeply/],
    ['deep block nesting', deepBlock, /nested too deeply/],
  ])('%s', (_, text, want) => {
    let result: ReturnType<typeof loadMicroServices> | undefined;
    expect(() => {
      result = loadMicroServices([source('x.yaml', text)]);
    }).not.toThrow();
    expect(result?.errors.map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringMatching(want)]));
    for (const e of result?.errors ?? []) expect(e.where).toMatch(/^x\.yaml(:\d+)?$/);
  });
});

// Issue #14: msvc reads YAML 1.2, kubectl YAML 1.1 (sigs.k8s.io/yaml); a plain scalar the two read
// differently is rejected with the advice to quote it (yaml/go-yaml.oracle.test.ts checks the rule
// against kubectl's own decoder).
describe('plain scalars kubectl reads differently are rejected', () => {
  it.each([
    ['replicas: 010', 'spec.replicas', /010 means 10 to msvc .*quote it/],
    ['replicas: 1_0', 'spec.replicas', /1_0 means "1_0"/],
    ['command: [yes]', 'spec.command[0]', /yes means "yes"/],
    ['runtime: {go: {gcPercent: off}}', 'spec.runtime.go.gcPercent', /off means "off"/],
    ['podLabels: {on: x}', 'spec.podLabels.on', /on means "on"/],
    ['command: [2024-01-02]', 'spec.command[0]', /2024-01-02/],
  ])('%s', (line, path, want) => {
    const text = `${ORDER}  ${line}\n`;
    expect(parseFast(text)).toBeUndefined();
    const result = loadMicroServices([source('a.yaml', text)]);
    expect(result.services).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({ where: 'a.yaml:1', path, message: expect.stringMatching(want) }),
    ]);
  });

  it('accepts them quoted', () => {
    const text = `${ORDER}  command: ["yes", "010", '0o17']\n`;
    expect(loadMicroServices([source('a.yaml', text)]).errors).toEqual([]);
  });
});

describe('readSources follows symbolic links in directories', () => {
  it('reads linked files and folders once each, and reports a link to nothing', async () => {
    const { symlinkSync } = await import('node:fs');
    const root = mkdtempSync(join(tmpdir(), 'msvc-links-'));
    try {
      mkdirSync(join(root, 'real'));
      writeFileSync(join(root, 'real', 'order.yaml'), ORDER);
      mkdirSync(join(root, 'dir'));
      symlinkSync(join(root, 'real', 'order.yaml'), join(root, 'dir', 'linked.yaml'));
      symlinkSync(join(root, 'real'), join(root, 'dir', 'sub'));
      symlinkSync(join(root, 'dir'), join(root, 'dir', 'loop'));
      symlinkSync(join(root, 'missing.yaml'), join(root, 'dir', 'broken.yaml'));
      const { sources, errors } = await readSources([join(root, 'dir')]);
      expect(sources.map((s) => s.name.slice(root.length))).toEqual(['/dir/linked.yaml', '/dir/sub/order.yaml']);
      expect(errors).toEqual([
        { where: join(root, 'dir', 'broken.yaml'), message: expect.stringMatching(/link to nothing/) },
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
