// The `msvc` command from the source tree: `npx msvc …` (bin/msvc.js) or `node cli/main.ts …` on
// Node 24. The wiring is cli/program.ts; the installed package runs the bundle of cli/bundle.ts.
//
// A CLI run is short, so loading code is a large share of it: Node's compile cache is on (in the
// OS temp directory, see module.enableCompileCache), and everything else is imported after that.
import { enableCompileCache } from 'node:module';

enableCompileCache();
const { packageVersion, runCli } = await import('./program.ts');
await runCli(process.argv, packageVersion(import.meta.url));
