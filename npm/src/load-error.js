// @ts-check
// What the import rejects with when the browser will not load the wasm: an error that names
// the URL and what to allow (the bare "Failed to fetch" or CompileError says neither).

/** `error` from fetching or compiling the wasm at `url`, as an Error naming the fix. */
export function wasmLoadError(error, url) {
  const text = String(error?.message ?? error);
  // Chromium names the directive; Firefox says "call to WebAssembly.instantiateStreaming() blocked by CSP".
  const compileRefused = /unsafe-eval|content security policy|blocked by CSP/i.test(text);
  const message = compileRefused
    ? `rebound-ws: the browser refused to compile ${url} (${text}); under a Content-Security-Policy, script-src must allow 'wasm-unsafe-eval'`
    : `rebound-ws: could not load ${url} (${text}); serve it beside the module (as application/wasm), and under a Content-Security-Policy let connect-src (or default-src) allow that URL`;
  return new Error(message, { cause: error });
}
