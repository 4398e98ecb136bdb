// modelina's Rust models for one AsyncAPI document: `node generate.js SPEC OUTDIR`.
// modelina parses the file itself (a file:// URL is its own file input, read with its bundled
// @asyncapi/parser, so relative `$ref`s resolve) and writes a crate with its package preset:
// OUTDIR/Cargo.toml, OUTDIR/src/lib.rs and one file per model, so `cargo build` in OUTDIR is the
// compile check. Default generator options: no presets, nothing we could get wrong for it.
// (ensureFilesWritten stays off: writeFile has resolved by then, and modelina's size check
// miscounts non-BMP characters such as emoji, so it waits forever on such a file.)
const path = require('path');
const { pathToFileURL } = require('url');
const { RustFileGenerator, RustPackageFeatures } = require('@asyncapi/modelina');

async function main([spec, out]) {
  if (!spec || !out) throw new Error('usage: node generate.js SPEC OUTDIR');
  const input = pathToFileURL(path.resolve(spec)).href;
  const models = await new RustFileGenerator().generateToPackage(input, path.resolve(out), {
    supportFiles: true,
    package: { packageName: 'modelina_models', packageVersion: '0.1.0', authors: ['bench'], homepage: 'https://example.com', repository: 'https://example.com', license: 'Apache-2.0', description: 'modelina output', edition: '2021', packageFeatures: [RustPackageFeatures.json] },
  });
  process.stderr.write(`modelina: ${models.length - 2} models\n`);
}

main(process.argv.slice(2)).catch((e) => { console.error(e.stack || e); if (e.diagnostics) console.error(JSON.stringify(e.diagnostics.filter((d) => d.severity === 0), null, 1)); process.exit(1); });
