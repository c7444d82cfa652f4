// @ts-check
// The page's hints (online/offline, visibility, back/forward cache): one set of listeners on
// window/document for every socket that wants them, attached while there is one. Which
// events, and what each means, Core says (`HINT_EVENTS`, generated from Rust; `core.hint({ type, hidden,
// persisted })`: the page's facts, named; which one counts for which event is Rust's rule).
import { HINT_EVENTS } from './boundary.js';

const hinted = new Set();
let pageListeners = null;

/** @type {(socket: any, page: { type: string, hidden: boolean, persisted: boolean }) => void} set by the class (it reaches Core) */
let deliverHint = () => {};

function onPageEvent(event) {
  const page = { type: event.type, hidden: document.hidden, persisted: event.persisted === true };
  for (const socket of [...hinted]) deliverHint(socket, page);
}

export function watchPage(socket, on) {
  if (typeof window === 'undefined' || typeof document === 'undefined') return;
  if (on) hinted.add(socket);
  else hinted.delete(socket);
  if (hinted.size > 0 && !pageListeners) {
    pageListeners = HINT_EVENTS.map(([type, onDocument]) => /** @type {[EventTarget, string]} */ ([onDocument ? document : window, type]));
    for (const [target, type] of pageListeners) target.addEventListener(type, onPageEvent);
  } else if (hinted.size === 0 && pageListeners) {
    for (const [target, type] of pageListeners) target.removeEventListener(type, onPageEvent);
    pageListeners = null;
  }
}

/** The class hands over how a hint reaches one socket's Core (its fields are private). */
export function onHint(deliver) {
  deliverHint = deliver;
}
