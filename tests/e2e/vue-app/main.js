// A Vue 3 app that shows a socket with the README's <Status> component, built by Vite.
import { createApp, h } from 'vue';
import ReconnectingWebSocket from 'rebound-ws';
import Status from './Status.vue';

const ws = new ReconnectingWebSocket('/ws');
window.ws = ws; // for the test
createApp({ render: () => h('main', [h('h1', 'Rebound in Vue'), h(Status, { ws })]) }).mount('#root');
