#!/usr/bin/env node
// What a wasm file's bytes are: each section's size, and each function's body size by name
// (from the name section) grouped by the Rust module it comes from, gzip estimated per
// group by compressing that group's bodies alone. Run on a wasm that kept its names:
//   node scripts/package.mjs --keep-names   (writes target/npm-names/rebound.wasm and rebound-share.wasm)
//   node scripts/wasm-sizes.mjs target/npm-names/rebound.wasm [--top 30]
// With --forbid <regex>: prints only the functions whose name matches and exits 1 if any does
// (`make test-size` forbids core::fmt this way), 2 if the file has no function names at all.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const file = process.argv[2];
const top = Number(process.argv[process.argv.indexOf('--top') + 1]) || 25;
const bytes = readFileSync(file);

let offset = 8;
const leb = () => {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[offset++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return result;
  }
};
const name = () => {
  const length = leb();
  const text = bytes.toString('utf8', offset, offset + length);
  offset += length;
  return text;
};

const SECTIONS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];
const sections = [];
let importedFunctions = 0;
const bodies = []; // [start, end]
const names = new Map();
while (offset < bytes.length) {
  const id = bytes[offset++];
  const size = leb();
  const start = offset;
  const end = start + size;
  let label = SECTIONS[id] ?? `#${id}`;
  if (id === 0) label = `custom:${name()}`;
  if (id === 2) {
    for (let n = leb(), i = 0; i < n; i++) {
      name();
      name();
      const kind = bytes[offset++];
      if (kind === 0) leb();
      else if (kind === 1) (offset++, bytes[offset++] & 1 ? (leb(), leb()) : leb());
      else if (kind === 2) (bytes[offset++] & 1 ? (leb(), leb()) : leb());
      else if (kind === 3) offset += 2;
      else if (kind === 4) (offset++, leb());
      if (kind === 0) importedFunctions++;
    }
  }
  if (id === 10) {
    for (let n = leb(), i = 0; i < n; i++) {
      const length = leb();
      bodies.push([offset, offset + length]);
      offset += length;
    }
  }
  if (label === 'custom:name') {
    while (offset < end) {
      const sub = bytes[offset++];
      const length = leb();
      const subEnd = offset + length;
      if (sub === 1) for (let n = leb(), i = 0; i < n; i++) names.set(leb(), name());
      offset = subEnd;
    }
  }
  sections.push({ label, size, gzip: gzipSync(bytes.subarray(start, end), { level: 9 }).length });
  offset = end;
}

/** The Rust module path of a (mangled or plain) function name, two segments deep. */
function group(raw) {
  const text = raw.replace(/^_ZN/, '');
  const parts = [];
  for (let rest = text; /^\d/.test(rest); ) {
    const length = parseInt(rest, 10);
    const digits = String(length).length;
    parts.push(rest.slice(digits, digits + length));
    rest = rest.slice(digits + length);
  }
  const path = parts.length ? parts : raw.split('::');
  if (/^(wasm_bindgen|__wbg|__wbindgen)/.test(raw) || path[0] === 'wasm_bindgen') return 'wasm_bindgen';
  const clean = path.filter((p) => !/^h[0-9a-f]{16}$/.test(p) && !p.startsWith('_$LT$'));
  return clean.slice(0, 2).join('::') || raw.slice(0, 30);
}

const functions = bodies.map(([start, end], i) => {
  const raw = names.get(importedFunctions + i) ?? `func${importedFunctions + i}`;
  return { raw, size: end - start, group: group(raw), body: bytes.subarray(start, end) };
});

const forbid = process.argv.indexOf('--forbid');
if (forbid > 0) {
  const pattern = new RegExp(process.argv[forbid + 1]);
  if (names.size === 0) {
    console.error(`${file}: no function names (build it with --keep-names)`);
    process.exit(2);
  }
  const found = functions.filter((f) => pattern.test(f.raw));
  for (const f of found) console.log(`  ${String(f.size).padStart(6)}  ${f.raw.slice(0, 110)}`);
  console.log(`${file}: ${found.length} of ${functions.length} functions match /${pattern.source}/`);
  process.exit(found.length > 0 ? 1 : 0);
}

console.log(`${file}: ${bytes.length} bytes, ${gzipSync(bytes, { level: 9 }).length} gzip; ${functions.length} functions, ${importedFunctions} imported`);
console.log('\nsections (bytes, gzip alone):');
for (const s of sections) console.log(`  ${s.label.padEnd(28)} ${String(s.size).padStart(7)} ${String(s.gzip).padStart(7)}`);

const groups = new Map();
for (const f of functions) {
  const g = groups.get(f.group) ?? { size: 0, count: 0, parts: [] };
  g.size += f.size;
  g.count += 1;
  g.parts.push(f.body);
  groups.set(f.group, g);
}
console.log('\ncode by module (bytes, gzip of the group alone, functions):');
for (const [label, g] of [...groups].sort((a, b) => b[1].size - a[1].size)) {
  const gz = gzipSync(Buffer.concat(g.parts), { level: 9 }).length;
  console.log(`  ${label.slice(0, 50).padEnd(50)} ${String(g.size).padStart(7)} ${String(gz).padStart(6)} ${String(g.count).padStart(4)}`);
}
console.log(`\nlargest ${top} functions:`);
for (const f of [...functions].sort((a, b) => b.size - a.size).slice(0, top)) {
  console.log(`  ${String(f.size).padStart(6)}  ${f.raw.slice(0, 110)}`);
}
