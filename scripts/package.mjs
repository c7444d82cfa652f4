#!/usr/bin/env node
// Builds the npm package rebound-ws as wasm-pack.toml says: release wasm (the JS face,
// without std, core and alloc rebuilt by the pinned nightly), wasm-bindgen glue, wasm-opt, the entries (browsers: the wasm as a file of its
// own; Node: inlined), then `npm pack`. Prints what a browser app ships (min + gzip).
// Usage: node scripts/package.mjs [--no-pack] [--js-only] [--keep-names]
//   --js-only: reuse the built wasm; --keep-names: only writes target/npm-names/<name>.wasm,
//   each wasm optimised as shipped but with its function names (for scripts/wasm-sizes.mjs).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The manifest, read with a real TOML parser. */
function readManifest(path) {
  return parseToml(readFileSync(path, 'utf8'));
}

function run(command, args, options = {}) {
  console.log(`package: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit', cwd: root, ...options });
}

const m = readManifest(join(root, 'wasm-pack.toml'));
const bin = join(root, 'node_modules', '.bin');
const generated = join(root, m.package['npm-dir'], 'src', 'generated');
mkdirSync(generated, { recursive: true });

if (process.argv.includes('--keep-names')) {
  const namesDir = join(root, 'target', 'npm-names');
  buildMainWasm(join(namesDir, 'rebound.wasm'), true);
  buildWasm(m.share.features, 'rebound-share', namesDir);
  process.exit(0);
}

const wasm = join(generated, 'rebound.wasm');
const shareWasm = join(generated, `${m.share['out-name']}_bg.wasm`);
if (!process.argv.includes('--js-only')) {
  buildMainWasm(wasm);
  // The second wasm: `share`'s policy only, fetched when an instance uses `share`.
  buildWasm(m.share.features, m.share['out-name']);
}

/**
 * Compiles `crate` (with `flags`) for the npm wasm: the pinned nightly, core and alloc rebuilt.
 * `legacyNames`: with the legacy symbol mangling (`_ZN4core3fmt…`, which scripts/wasm-sizes.mjs
 * reads; no wasm-bindgen demangles this wasm's names), in a target dir of its own.
 */
function compile(crate, flags, artifact, legacyNames = false) {
  const targetDir = join(root, m.build['target-dir'] + (legacyNames ? '-names' : ''));
  const rustflags = m.build.rustflags + (legacyNames ? ' -Csymbol-mangling-version=legacy' : '');
  const env = { ...process.env, RUSTFLAGS: rustflags, CARGO_TARGET_DIR: targetDir };
  const std = ['-Zbuild-std=' + m.build['build-std']];
  run('cargo', [`+${m.build.toolchain}`, 'build', ...std, '--profile', m.build.profile, '--target', m.build.target, '-p', crate, ...flags], { env });
  return join(targetDir, m.build.target, m.build.profile, artifact);
}

/** The main wasm (no wasm-bindgen: its JS half is npm/src/core.js), optimised into `out`; `keepNames` keeps its function names. */
function buildMainWasm(out, keepNames = false) {
  const artifact = compile(m.main.crate, [], m.main.wasm, keepNames);
  mkdirSync(dirname(out), { recursive: true });
  const before = statSync(artifact).size;
  run(join(bin, 'wasm-opt'), [...m['wasm-opt'].flags, ...(keepNames ? ['-g'] : []), artifact, '-o', out]);
  console.log(`package: main wasm ${before} -> ${statSync(out).size} bytes after wasm-opt`);
}

/**
 * Builds the crate with `features`, then glue and an optimised wasm named `outName`; with
 * `namesDir`, only `namesDir/<outName>.wasm`, optimised alike but keeping its names.
 */
function buildWasm(features, outName, namesDir) {
  const flags = [...(m.build['no-default-features'] ? ['--no-default-features'] : []), ...(features?.length ? ['--features', features.join(',')] : [])];
  const artifact = compile(m.package.crate, flags, m.package.wasm);
  if (namesDir) {
    run('wasm-bindgen', [artifact, '--out-dir', namesDir, '--out-name', outName, '--target', m.build['bindgen-target'], '--keep-debug', ...m.build['bindgen-flags']]);
    const named = join(namesDir, `${outName}_bg.wasm`);
    run(join(bin, 'wasm-opt'), [...m['wasm-opt'].flags, '-g', named, '-o', join(namesDir, `${outName}.wasm`)]);
    return;
  }
  run('wasm-bindgen', [artifact, '--out-dir', generated, '--out-name', outName, '--target', m.build['bindgen-target'], ...m.build['bindgen-flags']]);
  const file = join(generated, `${outName}_bg.wasm`);
  const before = statSync(file).size;
  run(join(bin, 'wasm-opt'), [...m['wasm-opt'].flags, file, '-o', file]);
  if (m['wasm-opt']['minify-names']) {
    // A pass of its own (once: --converge would print and rename repeatedly). The features
    // section is stripped by now, so they are named again.
    const wasmFeatures = [...m['wasm-opt'].flags.filter((f) => f.startsWith('--enable-')), '--enable-multivalue'];
    const printed = execFileSync(join(bin, 'wasm-opt'), ['--minify-imports-and-exports-and-modules', ...wasmFeatures, file, '-o', file], { encoding: 'utf8' });
    renameInGlue(printed, join(generated, `${outName}.js`));
  }
  console.log(`package: ${outName} wasm ${before} -> ${statSync(file).size} bytes after wasm-opt`);
}

/**
 * wasm-bindgen names every import `__wbg_<name>_<hash>` and exports like
 * `wasm_bindgen__convert__closures_____invoke__<hash>`: random hex that gzip cannot shrink,
 * once in the wasm and again in the glue. wasm-opt renamed them to one or two letters and
 * printed the mapping (JSON); the same renaming is applied to the glue here.
 */
function renameInGlue(printed, gluePath) {
  const map = JSON.parse(printed.slice(printed.indexOf('{')));
  const module = map.imports[0]?.[0];
  // Every import must be found (the glue provides them all); some exports the glue never uses.
  const renames = [
    ...map.imports.map(([, from, to]) => [from, to, true]),
    ...map.exports.map(([from, to]) => [`wasm.${from}`, `wasm.${to}`, false]),
  ];
  let glue = readFileSync(gluePath, 'utf8');
  // Longest names first, whole identifiers only, so no name is rewritten inside another.
  for (const [from, to, required] of renames.sort((a, b) => b[0].length - a[0].length)) {
    const pattern = new RegExp(`(?<![\\w$])${from.replace(/[.$]/g, '\\$&')}(?![\\w$])`, 'g');
    if (!pattern.test(glue)) {
      if (required) throw new Error(`minify-names: import ${from} not found in the glue`);
      continue;
    }
    glue = glue.replace(pattern, to);
  }
  if (module) glue = glue.replace(`"${module}": import0`, `"a": import0`);
  writeFileSync(gluePath, glue);
}

const bytes = readFileSync(wasm);
writeFileSync(join(generated, 'wasm-bytes.js'), `// Generated by scripts/package.mjs: the optimised wasm, inlined (Node entries).\nexport const wasmBase64 = '${bytes.toString('base64')}';\n`);

const outDir = join(root, m.package['out-dir']);
rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
copyFileSync(wasm, join(outDir, m.entries['wasm-file']));
copyFileSync(shareWasm, join(outDir, m.share['wasm-file']));
// CommonJS, like reconnecting-websocket's: `require('rebound-ws')` is the class itself, which
// also carries `.default`, `.ReconnectingWebSocket` and the helper exports.
const CJS_FOOTER = 'module.exports=Object.assign(module.exports.default,module.exports);';
for (const [name, entry] of Object.entries(m.entries)) {
  if (typeof entry !== 'object') continue;
  const outfile = join(outDir, entry.out);
  const footer = entry.format === 'cjs' ? [`--footer:js=${CJS_FOOTER}`] : [];
  const platform = [`--platform=${entry.platform ?? (name === 'browser' ? 'browser' : 'node')}`];
  // Entries load the share module lazily, as a file of its own (never bundled in).
  const external = name === 'share' ? [] : [`--external:./${m.entries.share.out}`];
  run(join(bin, 'esbuild'), [join(m.package['npm-dir'], 'src', entry.source), '--bundle', `--format=${entry.format}`, ...platform, `--target=${m.bundle.target}`, ...(m.bundle.minify ? ['--minify'] : []), '--legal-comments=none', ...external, ...footer, `--outfile=${outfile}`]);
  if (m.bundle.terser && platform[0] === '--platform=browser') await terse(outfile);
  keepRuntimeImport(outfile, name === 'browser');
}

/**
 * Marks the one `import(url)` of a URL known only at run time (share.js: the share module
 * loaded again under a new URL) for the app's bundler to leave alone: minifiers drop the
 * source's comments, and without `webpackIgnore` webpack warns "Critical dependency: the
 * request of a dependency is an expression" and replaces the import with one that always
 * fails. `required`: the file must have it (the browser entry); no file may have two.
 */
function keepRuntimeImport(file, required) {
  const text = readFileSync(file, 'utf8');
  const runtime = /\bimport\(\s*([A-Za-z_$][\w$]*)\s*\)/g;
  const found = text.match(runtime) ?? [];
  if (found.length > 1 || (required && found.length === 0)) {
    throw new Error(`${file}: expected ${required ? 'one' : 'at most one'} import() of a run-time URL, found ${found.length}`);
  }
  writeFileSync(file, text.replace(runtime, 'import(/*webpackIgnore:true*//*@vite-ignore*/$1)'));
}

/**
 * Minifies a browser entry again with terser (safe compress options only), which finds what
 * esbuild's single pass leaves (about 400 bytes gzip of the core entry; an app's own esbuild
 * keeps about 230 of them when it bundles the package again).
 */
async function terse(file) {
  const { minify } = await import('terser');
  const built = readFileSync(file, 'utf8');
  const { code } = await minify(built, { module: true, ecma: 2022, compress: { passes: 2 }, mangle: true, format: { comments: false } });
  // Kept only where it ships fewer bytes (the small status element gains nothing).
  const gz = (text) => gzipSync(text, { level: 9 }).length;
  if (gz(code) < gz(built)) writeFileSync(file, code);
}

// CommonJS consumers get the same declarations as a .d.cts (the package is "type": "module").
const npmDir = join(root, m.package['npm-dir']);
writeFileSync(join(npmDir, 'index.d.cts'), readFileSync(join(npmDir, 'index.d.ts')));
// The license texts ship in the tarball (copies of the repository's, ignored by git).
for (const license of ['LICENSE-MIT', 'LICENSE-APACHE']) copyFileSync(join(root, license), join(npmDir, license));

// What a browser app ships: the browser entry (with the glue) and the wasm file.
const shipped = readFileSync(join(outDir, m.entries.browser.out));
const jsGz = gzipSync(shipped, { level: 9 }).length;
const wasmGz = gzipSync(bytes, { level: 9 }).length;
const total = jsGz + wasmGz;
const budgets = JSON.parse(readFileSync(join(root, 'size-budget.json'), 'utf8'));
const budget = budgets.core;
console.log(`package: browser ships ${total} bytes min+gzip: JS ${shipped.length} bytes (${jsGz} gzip) + wasm ${bytes.length} bytes (${wasmGz} gzip); budget ${budget}${total > budget ? ' — OVER BUDGET' : ''}`);
// The status element on top of that, for apps that import it.
const statusGz = gzipSync(readFileSync(join(outDir, m.entries.status.out)), { level: 9 }).length;
console.log(`package: <rebound-status> adds ${statusGz} bytes min+gzip (budget ${budgets.status})`);
// `share` on top of that, fetched only by an instance that uses it: its loader and its wasm.
const shareGz = gzipSync(readFileSync(join(outDir, m.entries.share.out)), { level: 9 }).length + gzipSync(readFileSync(shareWasm), { level: 9 }).length;
console.log(`package: share adds ${shareGz} bytes min+gzip, fetched only when used (budget ${budgets.share})`);
writeFileSync(join(outDir, 'size.json'), JSON.stringify({ bundle_gz_bytes: total, js_bytes: shipped.length, js_gz_bytes: jsGz, wasm_bytes: bytes.length, wasm_gz_bytes: wasmGz, budget_gz_bytes: budget, status_gz_bytes: statusGz, share_gz_bytes: shareGz }, null, 2) + '\n');

if (!process.argv.includes('--no-pack')) {
  const tarballs = join(root, m.package['tarball-dir']);
  mkdirSync(tarballs, { recursive: true });
  run('npm', ['pack', '--silent', '--pack-destination', tarballs], { cwd: join(root, m.package['npm-dir']) });
  const { version, name } = JSON.parse(readFileSync(join(root, m.package['npm-dir'], 'package.json'), 'utf8'));
  console.log(`package: ${join(m.package['tarball-dir'], `${name}-${version}.tgz`)}`);
}
