// Loads the Leptos demo (wasm-bindgen web target) and the plain-JS panel.
import init from './rebound_demo.js';
import './js-panel.js';

init();
