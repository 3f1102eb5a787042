// One YAML writer for everything the CLI prints, so output is byte-identical across runs and
// machines: keys in the order the renderer built them, no line folding (long annotations stay on
// one line and diff cleanly), no anchors or aliases even when two fields share an object.
import { yamlAppender, yamlWriter } from '../yaml/write.ts';
import { yaml } from './yaml-library.ts';

export const YAML_OPTIONS = {
  // kubectl and most Kubernetes tooling read YAML 1.1, where a bare `off`, `on`, `yes` or `no` is a
  // boolean: writing 1.1 quotes them ("off"), so `gcPercent: off` stays a string through kubectl.
  // yamlWriter also quotes what go-yaml (kubectl) or YAML 1.2 types and 1.1 does not (`0o17`, `0X1F`).
  version: '1.1',
  lineWidth: 0,
  minContentWidth: 0,
  aliasDuplicateObjects: false,
  indent: 2,
} as const;

// The library's bytes plus quotes for what kubectl would type (yaml/write.test.ts), without loading
// the library for ordinary services.
const write = yamlWriter(yaml, YAML_OPTIONS);
const append = yamlAppender(yaml, YAML_OPTIONS);

/** One object as a YAML document body (ends with a newline, no `---`). */
export function toYaml(value: unknown): string {
  return write(value);
}

export interface StreamDocument {
  /** A `# …` line written after the `---` (e.g. where the object came from). */
  readonly comment?: string;
  readonly value: unknown;
}

/** A multi-document stream: each document starts with `---` (what kubectl and helm template print). */
export function toYamlStream(documents: readonly StreamDocument[]): string {
  // One list of pieces for the whole stream, joined once: the text is megabytes for 1,000 services.
  const out: string[] = [];
  for (const d of documents) {
    out.push(d.comment ? `---\n# ${d.comment.replace(/\n/g, ' ')}\n` : '---\n');
    append(out, d.value);
  }
  return out.join('');
}
