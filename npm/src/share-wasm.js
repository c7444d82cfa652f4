// The share module: `share`'s policy (ShareMember, ShareHub) in a wasm of its own, so apps
// that never use `share` ship none of it. share.js imports this file the first time an
// instance uses `share` (left external by every other entry: dist/share-wasm.js, next to
// dist/rebound-share.wasm).
import init, { ShareHub, ShareMember } from './generated/rebound_share.js';

await init({ module_or_path: new URL('./rebound-share.wasm', import.meta.url) });

export { ShareHub, ShareMember };
