// Reads what `-f` points at (files, directories, `-` for stdin) into YAML/JSON documents that
// remember where they came from, then sorts them into MicroServices and user errors. Every error
// this file produces is a user error, formatted `file:document: field.path: message`: no stack traces.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { API_GROUP, API_VERSION, type MicroService, parseMicroService } from '../api/index.ts';
import { goYamlPlain, kubectlReadsDifferently } from '../yaml/go-yaml.ts';
import { parseFast } from './fast-parse.ts';
import { yaml } from './yaml-library.ts';

/** What the user named on the command line for stdin, and how messages print it. */
export const STDIN = '-';
const STDIN_LABEL = '<stdin>';

const EXTENSIONS = ['.yaml', '.yml', '.json'];
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist']);

/** A problem the user can fix; printed as one line, exit code 1. */
export interface UserError {
  /** `examples/order.yaml:2`, or just the file when no document applies. */
  readonly where: string;
  /** `spec.ports[0].port`, when the problem has a field. */
  readonly path?: string;
  readonly message: string;
  /** 1-based line in the file the problem points at, when known. */
  readonly line?: number;
  /** Position of the document among all documents read, to print results in input order. */
  readonly order?: number;
}

export function formatUserError(e: UserError): string {
  const path = e.path ? `${e.path}: ` : '';
  const line = e.line !== undefined ? ` (line ${e.line})` : '';
  return `${e.where}: ${path}${e.message}${line}`;
}

/** A text to parse: one file, or stdin. */
export interface Source {
  /** As printed in messages: the path as found, or `<stdin>`. */
  readonly name: string;
  readonly text: string;
  /** Found by walking a directory (not named on the command line): foreign documents are skipped. */
  readonly fromDirectory: boolean;
}

/** A MicroService that passed validation, with where it came from. */
export interface LocatedMicroService {
  /** `examples/order.yaml:1` (document index, 1-based; `…:1 items[0]` inside a List). */
  readonly where: string;
  readonly value: MicroService;
  /** Position of the document among all documents read (see UserError.order). */
  readonly order: number;
}

export interface LoadResult {
  readonly services: LocatedMicroService[];
  readonly errors: UserError[];
  /** Documents left out because they are not MicroServices (found in directories only). */
  readonly skipped: { where: string; reason: string }[];
}

/**
 * Files under `dir` with a manifest extension, in sorted order. Symbolic links are followed (to
 * files and to folders, each real folder once, so a link cycle ends); a link to nothing is reported.
 */
function walk(dir: string, problems: UserError[], seen = new Set<string>()): string[] {
  const real = realpathSync(dir);
  if (seen.has(real)) return [];
  seen.add(real);
  const entries = readdirSync(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const target = statSync(path);
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      } catch {
        if (EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
          problems.push({ where: path, message: 'symbolic link to nothing: fix or remove the link' });
        }
        continue;
      }
    }
    // Hidden folders (.git), dependencies and build output (cdk8s synth writes dist/) are not the
    // user's sources; a folder named on the command line is always read, whatever its name.
    if (isDirectory && (entry.name.startsWith('.') || SKIPPED_DIRECTORIES.has(entry.name))) continue;
    if (isDirectory) out.push(...walk(path, problems, seen));
    else if (isFile && EXTENSIONS.some((ext) => entry.name.endsWith(ext))) out.push(path);
  }
  return out;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Standard input, or a function that gives it: process.stdin is made on first use, and making it
 * loads Node's stream and socket modules, which a run that reads no `-f -` does not need.
 */
export type Stdin = NodeJS.ReadableStream | (() => NodeJS.ReadableStream);

/**
 * Reads every `-f` argument in order; directories are walked in sorted order. Files are read with
 * the synchronous calls: the command needs all of them before it does anything else, and 1,000
 * small files took ~15 ms that way against ~170 ms with one awaited readFile after another
 * (each a round trip through libuv's thread pool for open, fstat, read and close).
 */
export async function readSources(
  filenames: readonly string[],
  stdin: Stdin = () => process.stdin,
): Promise<{ sources: Source[]; errors: UserError[] }> {
  const sources: Source[] = [];
  const errors: UserError[] = [];
  let stdinRead = false;
  for (const name of filenames) {
    if (name === STDIN) {
      if (stdinRead) {
        errors.push({ where: STDIN_LABEL, message: "'-f -' given twice: stdin can be read only once" });
        continue;
      }
      stdinRead = true;
      sources.push({
        name: STDIN_LABEL,
        text: await readStdin(typeof stdin === 'function' ? stdin() : stdin),
        fromDirectory: false,
      });
      continue;
    }
    try {
      if (statSync(name).isDirectory()) {
        const files = walk(name, errors);
        if (files.length === 0 && errors.length === 0) {
          errors.push({ where: name, message: 'directory holds no .yaml, .yml or .json files' });
        }
        for (const file of files) sources.push({ name: file, text: readFileSync(file, 'utf8'), fromDirectory: true });
      } else {
        sources.push({ name, text: readFileSync(name, 'utf8'), fromDirectory: false });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message =
        code === 'ENOENT'
          ? 'no such file or directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
      errors.push({ where: name, message });
    }
  }
  return { sources, errors };
}

/** `spec.ports[1].name` → ['spec', 'ports', 1, 'name'] (the inverse of api's formatPath). */
export function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const match of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (match[2] !== undefined) out.push(Number(match[2]));
    else if (match[1] !== undefined) out.push(match[1]);
  }
  return out;
}

/**
 * The 1-based line a field path points at: the line of its key (not of its value, which for a block
 * map is the next line); for a field that is missing, the line of the deepest parent that exists.
 */
function lineOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number | undefined {
  const { isMap, isScalar, isSeq } = yaml();
  let node: unknown = doc.contents;
  let offset = (node as { range?: [number, number, number] } | null)?.range?.[0];
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && p.key.value === segment);
      if (!pair) break;
      offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as { range?: [number, number, number] } | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

const API = `${API_GROUP}/${API_VERSION}`;

interface AmbiguousScalar {
  readonly text: string;
  readonly value: unknown;
  readonly path: (string | number)[];
  readonly offset?: number;
}

/** Plain scalars (keys and values) that YAML 1.2 and kubectl's YAML 1.1 decoder read differently. */
function ambiguousScalars(doc: Document): AmbiguousScalar[] {
  const { isMap, isScalar, isSeq } = yaml();
  const out: AmbiguousScalar[] = [];
  const check = (node: unknown, path: (string | number)[]) => {
    if (!isScalar(node) || node.type !== 'PLAIN' || node.tag !== undefined) return;
    const text = node.source;
    if (typeof text === 'string' && kubectlReadsDifferently(text, node.value)) {
      out.push({ text, value: node.value, path, ...(node.range ? { offset: node.range[0] } : {}) });
    }
  };
  const walkNode = (node: unknown, path: (string | number)[], depth: number) => {
    if (depth > 200) return;
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        check(pair.key, [...path, key]);
        walkNode(pair.value, [...path, key], depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        walkNode(item, [...path, i], depth + 1);
      });
    } else {
      check(node, path);
    }
  };
  walkNode(doc.contents, [], 0);
  return out;
}

/** Says both readings and what to write instead. */
function ambiguityMessage(a: AmbiguousScalar): string {
  const go = goYamlPlain(a.text);
  const theirs =
    go.type === 'number' || go.type === 'bool'
      ? String(go.value)
      : go.type === 'null'
        ? 'null'
        : go.type === 'timestamp'
          ? 'a timestamp'
          : go.type === 'string'
            ? JSON.stringify(a.text)
            : 'something else';
  const instead = go.type === 'number' ? `write ${theirs} if you mean the number, or ` : '';
  return `${a.text} means ${JSON.stringify(a.value)} to msvc (YAML 1.2) but ${theirs} to kubectl (YAML 1.1): ${instead}quote it ("${a.text}") for the string`;
}

function formatFieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const s of path) out += typeof s === 'number' ? `[${s}]` : out === '' ? s : `.${s}`;
  return out;
}

/** What to tell the user when the YAML library gives up on a text (it throws for these). */
function yamlFailure(error: unknown): string {
  if (error instanceof RangeError) {
    return 'YAML nested too deeply to read: a MicroService needs only a few levels; check for runaway indentation or brackets';
  }
  const message = (error as Error).message.replace(/\s+/g, ' ');
  if (/alias/i.test(message)) {
    return `YAML alias error: ${message}; write the value out instead of using anchors (&name) and aliases (*name)`;
  }
  return `YAML could not be read: ${message}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Does a document mean to be a MicroService? Then any problem with it is an error, never a skip. */
function claimsMicroService(value: Record<string, unknown>): boolean {
  const group = typeof value['apiVersion'] === 'string' ? value['apiVersion'].split('/')[0] : undefined;
  return group === API_GROUP || (typeof value['kind'] === 'string' && value['kind'].toLowerCase() === 'microservice');
}

/** `kind: List` (what `kubectl get -o yaml` prints) and `MicroServiceList` carry their objects in items. */
function isList(value: Record<string, unknown>): boolean {
  return typeof value['kind'] === 'string' && /List$/.test(value['kind']) && Array.isArray(value['items']);
}

/**
 * Parses every source into documents and validates each MicroService with the api/ schema.
 * Documents that are not MicroServices are errors when they come from a file named on the command
 * line or stdin. Found by walking a directory, they are skipped, so `-f k8s/` works on a folder that
 * also holds ConfigMaps or a package.json: other Kubernetes kinds are reported in `skipped`, files
 * that are not Kubernetes objects at all are passed over silently. Empty documents (a
 * stray `---`, comments only) are ignored. Two MicroServices with the same namespace and name are an
 * error: their rendered objects would overwrite each other.
 */
export function loadMicroServices(sources: readonly Source[]): LoadResult {
  const services: LocatedMicroService[] = [];
  const errors: UserError[] = [];
  const skipped: { where: string; reason: string }[] = [];
  const seen = new Map<string, string>();
  let order = 0;
  const fail = (e: UserError) => errors.push({ ...e, order });

  for (const source of sources) {
    // The library's documents, with their source positions: parsed only when needed (the fast
    // parser declined, or a message needs a line number).
    let parsed: { docs: Document[]; lines: LineCounter } | undefined;
    let unreadable: string | undefined;
    const library = () => {
      if (parsed === undefined) {
        const { LineCounter, parseAllDocuments } = yaml();
        const lines = new LineCounter();
        let docs: ReturnType<typeof parseAllDocuments>;
        try {
          docs = parseAllDocuments(source.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
        } catch (error) {
          unreadable = yamlFailure(error);
          docs = [];
        }
        // A stream the parser could not split into documents at all comes back as an empty array with no errors.
        parsed = { docs: Array.isArray(docs) ? docs : [docs], lines };
      }
      return parsed;
    };
    // Equal to the library's values whenever it answers (fast-parse.test.ts).
    const values = parseFast(source.text);
    const count = values?.length ?? library().docs.length;
    if (unreadable !== undefined) {
      order++;
      fail({ where: source.name, message: unreadable });
      continue;
    }
    for (let i = 0; i < count; i++) {
      const where = `${source.name}:${i + 1}`;
      order++;
      let value: unknown;
      if (values !== undefined) {
        value = values[i];
      } else {
        const { docs, lines } = library();
        const doc = docs[i] as Document;
        if (doc.errors.length > 0) {
          for (const e of doc.errors) {
            const pos = lines.linePos(e.pos[0]);
            let message = e.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
            if (/call stack|stack overflow/i.test(message)) message = yamlFailure(new RangeError(message));
            fail({
              where,
              message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${message}`,
            });
          }
          continue;
        }
        const ambiguous = ambiguousScalars(doc);
        if (ambiguous.length > 0) {
          for (const a of ambiguous) {
            fail({
              where,
              ...(a.path.length > 0 ? { path: formatFieldPath(a.path) } : {}),
              message: ambiguityMessage(a),
              ...(a.offset !== undefined ? { line: lines.linePos(a.offset).line } : {}),
            });
          }
          continue;
        }
        try {
          value = doc.toJS({ maxAliasCount: 100 });
        } catch (error) {
          // An alias to an anchor that does not exist (or is in another document), an alias bomb.
          fail({ where, message: yamlFailure(error) });
          continue;
        }
      }
      if (value === null || value === undefined) continue;
      const line = (path: readonly (string | number)[]) => {
        const { docs, lines } = library();
        return lineOf(docs[i] as Document, lines, path);
      };

      const check = (object: unknown, prefix: (string | number)[], label: string) => {
        order++;
        if (!isObject(object) || !claimsMicroService(object)) {
          const kind = isObject(object) && typeof object['kind'] === 'string' ? object['kind'] : undefined;
          const reason = kind
            ? `kind ${kind} is not a MicroService (${API})`
            : `not a MicroService (${API}): no apiVersion and kind`;
          if (!source.fromDirectory) {
            fail({ where: label, message: `${reason}; remove it or render only MicroServices` });
          } else if (kind !== undefined) {
            // Another Kubernetes object: worth a note. Anything else (package.json, cdk8s.yaml) is
            // not a manifest at all and is passed over silently.
            skipped.push({ where: label, reason });
          }
          return;
        }
        const result = parseMicroService(object);
        if (!result.ok) {
          for (const issue of result.issues) {
            const path = issue.path === '(root)' ? [] : parsePath(issue.path);
            // zod reports an unknown key at its parent; point at the key itself.
            const unknown = /^Unrecognized keys?: "([^"]+)"/.exec(issue.message)?.[1];
            if (unknown !== undefined) path.push(unknown);
            const at = line([...prefix, ...path]);
            fail({
              where: label,
              path: issue.path,
              message: issue.message,
              ...(at !== undefined ? { line: at } : {}),
            });
          }
          return;
        }
        const ms = result.value;
        const key = `${ms.metadata.namespace ?? ''}/${ms.metadata.name}`;
        const first = seen.get(key);
        if (first !== undefined) {
          const at = line([...prefix, 'metadata', 'name']);
          fail({
            where: label,
            path: 'metadata.name',
            message: `MicroService ${displayName(ms)} is also defined at ${first}; names must be unique per namespace`,
            ...(at !== undefined ? { line: at } : {}),
          });
          return;
        }
        seen.set(key, label);
        services.push({ where: label, value: ms, order });
      };

      if (isObject(value) && isList(value)) {
        (value['items'] as unknown[]).forEach((item, j) => {
          check(item, ['items', j], `${where} items[${j}]`);
        });
      } else {
        check(value, [], where);
      }
    }
  }
  return { services, errors, skipped };
}

/** `shop/order`, or `order` without a namespace. */
export function displayName(ms: MicroService): string {
  return ms.metadata.namespace ? `${ms.metadata.namespace}/${ms.metadata.name}` : ms.metadata.name;
}

/** readSources + loadMicroServices; "nothing found" is an error, since rendering nothing is never what was meant. */
export async function load(filenames: readonly string[], stdin?: Stdin): Promise<LoadResult> {
  const read = await readSources(filenames, stdin);
  const loaded = loadMicroServices(read.sources);
  const errors = [...read.errors, ...loaded.errors];
  if (errors.length === 0 && loaded.services.length === 0) {
    errors.push({
      where: filenames.map((f) => (f === STDIN ? STDIN_LABEL : f)).join(', '),
      message: `no MicroService (${API}) found`,
    });
  }
  return { services: loaded.services, errors, skipped: loaded.skipped };
}
