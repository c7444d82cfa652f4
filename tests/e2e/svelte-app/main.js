// A Svelte 5 app that shows a socket with the README's <Status> component, built by Vite.
import { mount } from 'svelte';
import ReconnectingWebSocket from 'rebound-ws';
import Status from './Status.svelte';

const ws = new ReconnectingWebSocket('/ws');
window.ws = ws; // for the test
mount(Status, { target: document.getElementById('root'), props: { ws } });
