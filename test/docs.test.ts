// The documentation: README.md is the front door and docs/ holds the rest. Every relative link in
// README.md and docs/*.md must point at a file or folder that exists in the repository, and every
// `#anchor` at a heading of the Markdown file it names (GitHub's heading ids). Every docs page is
// linked from both indexes, and no file cites notes that are not part of the repository.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = relative(ROOT, fileURLToPath(import.meta.url))
  .split(sep)
  .join('/');

const docsPages = readdirSync(join(ROOT, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const PAGES = ['README.md', ...docsPages];

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** The text outside fenced code blocks, line by line (code lines become empty, so line numbers hold). */
function proseLines(markdown: string): string[] {
  let fence: string | undefined;
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(```|~~~)/.exec(line)?.[1];
    if (fence) {
      if (marker === fence) fence = undefined;
      return '';
    }
    if (marker) {
      fence = marker;
      return '';
    }
    return line;
  });
}

/** GitHub's heading id: the heading's text, lower-cased, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images: their text
    .replace(/<[^>]+>/g, '') // inline HTML
    .replace(/[`*~]/g, ''); // code spans and emphasis markers
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Every heading id of a Markdown file, with GitHub's -1, -2 suffixes for repeated headings. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading === undefined) continue;
    const base = slug(heading);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

interface Link {
  readonly line: number;
  readonly target: string;
}

/** Inline links and images `[text](target "title")` and reference definitions `[id]: target`. */
function links(markdown: string): Link[] {
  const out: Link[] = [];
  proseLines(markdown).forEach((raw, i) => {
    const line = raw.replace(/`[^`]*`/g, (code) => ' '.repeat(code.length)); // not inside code spans
    for (const m of line.matchAll(/!?\[(?:[^\]`]|`[^`]*`)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ line: i + 1, target: m[1] as string });
    }
    const definition = /^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (definition) out.push({ line: i + 1, target: definition[1] as string });
  });
  return out;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Problems with the relative links of one repository file, as "file:line: message". */
function brokenLinks(file: string): string[] {
  const problems: string[] = [];
  for (const { line, target } of links(read(file))) {
    if (isExternal(target)) continue;
    const hash = target.indexOf('#');
    const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
    const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
    const where = `${file}:${line}: ${target}`;
    const absolute = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), path);
    const inRepo = relative(ROOT, absolute);
    if (inRepo.startsWith('..') || isAbsolute(inRepo)) {
      problems.push(`${where}: points outside the repository`);
      continue;
    }
    if (!existsSync(absolute)) {
      problems.push(`${where}: no such file`);
      continue;
    }
    if (anchor === undefined) continue;
    if (statSync(absolute).isDirectory() || !absolute.endsWith('.md')) {
      problems.push(`${where}: an anchor needs a Markdown file`);
      continue;
    }
    if (!anchors(readFileSync(absolute, 'utf8')).has(anchor)) {
      problems.push(`${where}: no heading #${anchor} in ${inRepo.split(sep).join('/')}`);
    }
  }
  return problems;
}

/** The docs pages a file links to, repository-relative. */
function linkedPages(file: string): Set<string> {
  const out = new Set<string>();
  for (const { target } of links(read(file))) {
    if (isExternal(target)) continue;
    const path = target.split('#')[0] as string;
    if (path === '') continue;
    out.add(posix.normalize(posix.join(posix.dirname(file), path)));
  }
  return out;
}

describe('the link checker', () => {
  it('makes GitHub heading ids', () => {
    expect(slug('Why not a Helm chart, KubeVela or a hand-written operator?')).toBe(
      'why-not-a-helm-chart-kubevela-or-a-hand-written-operator',
    );
    expect(slug('status (written by the operator)')).toBe('status-written-by-the-operator');
    expect(slug('API reference: `MicroService` (msvc.dev/v1alpha1)')).toBe(
      'api-reference-microservice-msvcdevv1alpha1',
    );
    expect(slug('1. `kubectl apply`, with or without the operator')).toBe(
      '1-kubectl-apply-with-or-without-the-operator',
    );
    expect([...anchors('# A\n## B\n```\n# not a heading\n```\n## B\n')]).toEqual(['a', 'b', 'b-1']);
  });

  it('finds inline links, images and definitions, but not code', () => {
    const text = [
      'See [a](a.md), ![b](img/b.png "B") and [`c`](c.md#x).',
      '`[not](a-link.md)`',
      '```',
      '[nor](this.md)',
      '```',
      '[ref]: https://example.com/',
    ].join('\n');
    expect(links(text).map((l) => l.target)).toEqual(['a.md', 'img/b.png', 'c.md#x', 'https://example.com/']);
  });
});

describe('README.md and docs/', () => {
  it.each(PAGES)('%s: every relative link and anchor resolves', (file) => {
    expect(brokenLinks(file)).toEqual([]);
  });

  it('README.md is a front door: at most 250 lines, with the two commands', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThanOrEqual(250);
    expect(readme).toContain('make demo');
    expect(readme).toContain('make test');
  });

  it('README.md and docs/README.md link every docs page', () => {
    const pages = docsPages.filter((page) => page !== 'docs/README.md');
    expect(pages.length).toBeGreaterThan(0);
    expect(pages.filter((page) => !linkedPages('README.md').has(page))).toEqual([]);
    expect(pages.filter((page) => !linkedPages('docs/README.md').has(page))).toEqual([]);
    expect(linkedPages('README.md')).toContain('docs/README.md');
  });
});

describe('the repository stands alone', () => {
  // Private notes that are not part of the repository; cite the public source instead.
  const FORBIDDEN = [/\.\.\/shared\//, /\b(?:DESIGN|STYLE)\.md\b/, /(?<![\w/.-])reference\/[\w.-]+\.md\b/];
  const TEXT = /\.(?:md|ts|mts|js|mjs|json|ya?ml|sh|go|tpl|txt)$|^(?:Makefile|Dockerfile)$/;

  function textFiles(dir: string, out: string[] = []): string[] {
    for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && !['node_modules', 'dist', 'imports'].includes(entry.name)) {
          textFiles(path, out);
        }
      } else if (TEXT.test(entry.name) && entry.name !== 'package-lock.json' && path !== SELF) {
        out.push(path);
      }
    }
    return out;
  }

  it('no file cites the design notes outside the repo (../shared/ and its design, style and reference files)', () => {
    const citations: string[] = [];
    for (const file of textFiles('')) {
      read(file)
        .split('\n')
        .forEach((line, i) => {
          if (FORBIDDEN.some((pattern) => pattern.test(line))) citations.push(`${file}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(citations).toEqual([]);
  });
});
