// The npm package's JS face against the same test bed: no await, no init (the module
// import resolves once its wasm is ready).
import ReconnectingWebSocket from './rebound-ws.js';
import './rebound-status.js'; // registers <rebound-status>

const $ = (id) => document.getElementById(id);
const socket = new ReconnectingWebSocket('/ws', undefined, { heartbeatInterval: 2000, heartbeatTimeout: 3000 });

function log(line) {
  const item = document.createElement('li');
  item.textContent = `${(performance.now() / 1000).toFixed(1)} s  ${line}`;
  $('js-log').prepend(item);
  while ($('js-log').children.length > 20) $('js-log').lastElementChild.remove();
}

$('js-status').socket = socket;
$('js-state').textContent = socket.state;
socket.addEventListener('statechange', (event) => {
  $('js-state').textContent = event.state;
  log(`state → ${event.state}`);
});
socket.addEventListener('close', (event) => log(`closed ${event.code} ${event.kind}: ${event.hint}`));
socket.onmessage = (event) => {
  $('js-last').textContent = event.data;
  log(`← ${event.data}`);
};
$('js-send').onclick = () => socket.send('hello from JS');
$('js-close').onclick = () => socket.close();
$('js-reconnect').onclick = () => socket.reconnect();
