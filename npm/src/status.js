// @ts-check
// `<rebound-status>`: a framework-free connection indicator. `import 'rebound-ws/status'`
// registers it; `element.socket = ws` attaches it to a ReconnectingWebSocket.
//
// It renders `ws.statusView(grace)`, the status model computed in Rust (the same one the
// Leptos `ConnectionStatus` renders), so this file decides nothing: it listens, renders and
// re-renders when the model says the view changes (countdown, end of the grace period).
// It imports nothing, so it loads by URL without a bundler or an import map, and styles
// itself with a constructable stylesheet: no inline `style`, no `<style>` element, so a CSP
// without `style-src 'unsafe-inline'` allows it.

const CSS = `
:host {
  --rebound-connected: #1a7f37; --rebound-connecting: #0969da; --rebound-disconnected: #59636e;
  --rebound-offline: #9a6700; --rebound-error: #cf222e; --rebound-bg: #f6f8fa; --rebound-fg: #1f2328;
  --rebound-radius: 999px;
  display: inline-flex; align-items: center; gap: .5em; padding: .3em .8em;
  border-radius: var(--rebound-radius); background: var(--rebound-bg); color: var(--rebound-fg);
  font: 500 .9rem/1.4 system-ui, sans-serif; border: 1px solid var(--rebound-accent, currentColor);
}
@media (prefers-color-scheme: dark) {
  :host {
    --rebound-connected: #3fb950; --rebound-connecting: #58a6ff; --rebound-disconnected: #9198a1;
    --rebound-offline: #d29922; --rebound-error: #f85149; --rebound-bg: #151b23; --rebound-fg: #f0f6fc;
  }
}
:host([data-state=connected]) { --rebound-accent: var(--rebound-connected); }
:host([data-state=connecting]), :host([data-state=reconnecting]) { --rebound-accent: var(--rebound-connecting); }
:host([data-state=offline]) { --rebound-accent: var(--rebound-offline); }
:host([data-state=disconnected]) { --rebound-accent: var(--rebound-disconnected); }
:host([data-state=error]) { --rebound-accent: var(--rebound-error); }
:host(:focus-visible) { outline: 2px solid var(--rebound-fg); outline-offset: 2px; }
[part=icon] { color: var(--rebound-accent); font-weight: 700; display: inline-block; width: 1em; text-align: center; }
:host([data-state=connecting]) [part=icon], :host([data-state=reconnecting]) [part=icon] { animation: spin 1s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
@media (prefers-reduced-motion: reduce) { [part=icon] { animation: none !important; } }
.spoken { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }
[part=retry] {
  font: inherit; color: var(--rebound-bg); background: var(--rebound-error); border: 0;
  border-radius: var(--rebound-radius); padding: .1em .8em; cursor: pointer;
}
[part=retry][aria-disabled=true] { opacity: .6; cursor: progress; }
[part=retry]:focus-visible { outline: 2px solid var(--rebound-fg); outline-offset: 2px; }
[hidden] { display: none !important; }
`;

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

function span(root, part, hidden) {
  const node = root.appendChild(document.createElement('span'));
  if (part) node.setAttribute('part', part);
  if (hidden) node.setAttribute('aria-hidden', 'true');
  return node;
}

export class ReboundStatusElement extends HTMLElement {
  static observedAttributes = ['grace'];
  #socket = null;
  #attached = null; // the socket whose listeners are on
  #timer = null;
  #view = null;
  #icon;
  #text;
  #spoken;
  #retry;
  #ownTabindex = false; // the host's tabindex is ours (set to take focus from a hidden Retry)
  #update = () => this.#render();

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.adoptedStyleSheets = [styles()];
    this.#icon = span(root, 'icon', true);
    // The ticking countdown is for the eyes; screen readers get a line that only changes
    // when the state does, so the polite live region is not chatty.
    this.#text = span(root, 'text', true);
    this.#spoken = span(root, null, false);
    this.#spoken.className = 'spoken';
    this.#retry = root.appendChild(document.createElement('button'));
    this.#retry.type = 'button';
    this.#retry.setAttribute('part', 'retry');
    this.#retry.textContent = 'Retry';
    this.#retry.hidden = true;
    this.#retry.addEventListener('click', () => {
      if (this.#view?.retry === 'enabled') this.#socket?.reconnect();
    });
    // Once focus leaves the host, it is no longer focusable: a shadow host with a negative
    // tabindex takes its shadow tree (Retry) out of the Tab order.
    this.addEventListener('blur', () => {
      if (this.#ownTabindex) this.removeAttribute('tabindex');
      this.#ownTabindex = false;
    });
  }

  /** The ReconnectingWebSocket shown; setting it detaches from the previous one. */
  get socket() {
    return this.#socket;
  }
  set socket(ws) {
    this.#socket = ws ?? null;
    this.#listen();
  }

  /** The grace period in ms (attribute `grace`, default 500): shorter drops never show. */
  get grace() {
    return this.hasAttribute('grace') ? Number(this.getAttribute('grace')) : undefined;
  }
  set grace(ms) {
    if (ms === undefined || ms === null) this.removeAttribute('grace');
    else this.setAttribute('grace', String(ms));
  }

  connectedCallback() {
    if (!this.hasAttribute('role')) this.setAttribute('role', 'status');
    if (!this.hasAttribute('aria-live')) this.setAttribute('aria-live', 'polite');
    this.#listen();
  }

  disconnectedCallback() {
    this.#listen();
  }

  attributeChangedCallback() {
    this.#render();
  }

  /** Listeners on the current socket exactly while the element is in the page. */
  #listen() {
    const want = this.isConnected ? this.#socket : null;
    if (this.#attached !== want) {
      for (const type of ['statechange', 'close']) {
        this.#attached?.removeEventListener(type, this.#update);
        want?.addEventListener(type, this.#update);
      }
      this.#attached = want;
    }
    this.#render();
  }

  #render() {
    clearTimeout(this.#timer);
    this.#timer = null;
    const ws = this.#attached;
    if (!ws) return;
    let view;
    try {
      view = ws.statusView(this.grace);
    } catch (error) {
      setTimeout(() => {
        throw error; // a bad `grace`: reported, and the default used
      });
      view = ws.statusView();
    }
    this.#view = view;
    this.dataset.state = view.state;
    this.#icon.textContent = view.icon;
    this.#text.textContent = view.text; // text, never HTML: it may carry the server's reason
    if (this.#spoken.textContent !== view.spoken) this.#spoken.textContent = view.spoken;
    const button = this.#retry;
    const hadFocus = this.shadowRoot.activeElement === button;
    button.hidden = view.retry === 'hidden';
    // Disabled but focusable, so a keyboard Retry keeps its focus while it connects.
    button.setAttribute('aria-disabled', String(view.retry === 'disabled'));
    if (hadFocus && button.hidden) {
      // Focus lands on the host when Retry goes away (focusable for that moment only, see blur).
      if (!this.hasAttribute('tabindex')) {
        this.tabIndex = -1;
        this.#ownTabindex = true;
      }
      this.focus();
    }
    if (view.recheckIn !== null) this.#timer = setTimeout(this.#update, view.recheckIn + 1);
  }
}

if (!customElements.get('rebound-status')) customElements.define('rebound-status', ReboundStatusElement);
