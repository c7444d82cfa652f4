// A React 19 app that shows a socket with <rebound-status>, built by Vite (tests/e2e/status.test.mjs).
// `socket={ws}` must reach the element as a property (an attribute would be "[object Object]"):
// React 19 sets a property when the custom element, already defined here, has one by that name.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import ReconnectingWebSocket from 'rebound-ws';
import 'rebound-ws/status';

const ws = new ReconnectingWebSocket('/ws');
window.ws = ws; // for the test

function App() {
  return (
    <main>
      <h1>Rebound in React</h1>
      <rebound-status socket={ws} />
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
