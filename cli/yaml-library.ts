// The `yaml` library, loaded on first use: most runs of `msvc render` never need it for reading
// (cli/fast-parse.ts), and loading its ~70 modules is a noticeable part of a short CLI run. Loaded
// with require (its CommonJS build) because the callers are synchronous; its node-type checks
// (isMap, isScalar…) use Symbol.for, so they work on nodes from either build. In the installed
// bundle (a CommonJS script, cli/bundle.ts) `require` is there and esbuild bundles what it names;
// from the source tree (ES modules) it is made with node:module, fetched only then.
type Yaml = typeof import('yaml');

let library: Yaml | undefined;

export function yaml(): Yaml {
  library ??= (
    typeof require === 'function'
      ? require('yaml')
      : process.getBuiltinModule('node:module').createRequire(import.meta.url)('yaml')
  ) as Yaml;
  return library;
}
