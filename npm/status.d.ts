// `import 'rebound-ws/status'` registers <rebound-status>.
import type { ReconnectingWebSocket } from './index.js';

/**
 * `<rebound-status>`: a connection indicator for any framework. Set `socket` to a
 * `ReconnectingWebSocket`; it renders `socket.statusView(grace)`.
 *
 * DOM contract: the host has `role="status"`, `aria-live="polite"` and `data-state`
 * (`connected` | `connecting` | `reconnecting` | `offline` | `disconnected` | `error`); its
 * shadow root has parts `icon`, `text` and `retry` (a `<button>`, shown in `error` and
 * `disconnected`, `aria-disabled` while the Retry it started connects).
 */
export declare class ReboundStatusElement extends HTMLElement {
  /** The socket shown; setting it detaches from the previous one. Removing the element detaches too. */
  socket: ReconnectingWebSocket | null;
  /** The grace period in ms (attribute `grace`, default 500): a drop that recovers within it never shows. */
  grace: number | undefined;
}

declare global {
  interface HTMLElementTagNameMap {
    'rebound-status': ReboundStatusElement;
  }
}
