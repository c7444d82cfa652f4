// `share` where users deploy it (issue 16): an https origin (the test bed's TLS listener),
// URL providers that add a token, pages of one origin sending while the leading page goes
// again and again, another page posting forged and malformed messages on the channel, a
// clock stepped back an hour, a sandboxed frame. Chromium runs with its default background
// throttling. Each check fails on the release before it; nothing asserts timing.
// Needs npm/dist (make package) and the test bed (cargo build -p testbed).
// Run: node --test tests/e2e/share-production.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { INDEX_HTML, WAIT, assertOnceInOrder, useSharePages } from '../support/share-pages.mjs';
import { BROWSER } from '../support/browsers.mjs';
import { root } from '../support/testbed.mjs';

// A frame whose origin is opaque (sandboxed without allow-same-origin), loading the package
// from the bed (which answers with `Access-Control-Allow-Origin: *`).
const FRAME_HTML = `<!doctype html><meta charset="utf-8">
<iframe sandbox="allow-scripts" srcdoc="<script type=module>
  const base = '${'${BASE}'}';
  const { default: RWS } = await import(base + '/index.js');
  const warnings = [];
  const warn = console.warn;
  console.warn = (...a) => (warnings.push(a.join(' ')), warn(...a));
  const ws = new RWS(base.replace('http', 'ws') + '/ws', [], { share: true });
  ws.addEventListener('open', () => ws.send('from-the-frame'));
  ws.addEventListener('message', (e) => parent.postMessage({ echo: e.data, origin: self.origin, warnings, locks: typeof navigator.locks, bc: typeof BroadcastChannel }, '*'));
</script>"></iframe>
<script>window.addEventListener('message', (e) => (window.frameSaid = e.data)); window.loaded = true;</script>`;

// Earlier releases (share wires 1 and 2; 2 is the release before this one), as a tab left
// open across a deploy runs them: `v<wire>/` and `old-<wire>.html`.
const WIRES = [1, 2];
const copies = {};
const files = {};
for (const wire of WIRES) {
  const old = join(root, 'tests', 'fixtures', `share-wire-${wire}`);
  for (const f of ['index.js', 'rebound.wasm', 'share-wasm.js', 'rebound-share.wasm']) copies[`v${wire}/${f}`] = join(old, f);
  files[`old-${wire}.html`] = INDEX_HTML.replace("from './index.js'", `from './v${wire}/index.js'`);
}

const h = useSharePages({ tls: true, throttled: true, files, copies });
const { newContext, newPage, untilOpen, stats, untilStats, leaderIndex } = h;

/** `n` pages whose instance has a URL provider returning `url` (shared under `key`). */
async function providerPages(n, key, url, options = {}) {
  const pages = [];
  for (let i = 0; i < n; i++) {
    const page = await newPage();
    await page.evaluate(([k, u, o]) => window.makeWithProvider(k, u, o), [key, url, options]);
    pages.push(page);
  }
  return pages;
}

/** Waits until every page's instance has heard `text` (a message event). */
async function untilHeard(pages, text) {
  for (const page of pages) await page.waitForFunction((t) => window.count('message', t) > 0, text, { timeout: WAIT });
}

test('https, a URL provider adding a token, share: "chat": 3 pages → 1 connection; only the leading page calls its provider; echo everywhere; failover', async () => {
  await newContext();
  const url = `${h.bed.wsUrl}?token=secret-1`;
  const pages = await providerPages(3, 'chat', url);
  for (const page of pages) await untilOpen(page);
  assert.equal(await pages[0].evaluate(() => location.protocol), 'https:');
  const s = await stats();
  assert.equal(s.connections.length, 1, 'one connection for three pages');
  const leader = await leaderIndex(pages);
  const calls = await Promise.all(pages.map((p) => p.evaluate(() => window.providerCalls)));
  calls.forEach((n, i) => (i === leader ? assert.ok(n >= 1, 'the leading page calls its provider') : assert.equal(n, 0, `follower ${i} never calls its provider`)));
  for (const page of pages) assert.equal(await page.evaluate(() => window.ws.url), url, 'every page reports the socket URL');
  await pages[(leader + 1) % 3].evaluate(() => window.ws.send('echo-me'));
  await untilHeard(pages, 'echo-me');
  // Failover: the next page's provider gives the new socket its URL.
  const followers = pages.filter((_, i) => i !== leader);
  const readies = await Promise.all(followers.map((p) => p.evaluate(() => window.count('ready'))));
  await pages[leader].close();
  await untilStats((x) => x.connections.length === 2 && x.live === 1, 'one new connection');
  for (const [i, page] of followers.entries()) await untilOpen(page, readies[i]);
  await followers[0].evaluate(() => window.ws.send('after'));
  await untilHeard(followers, 'after');
  assert.equal((await stats()).connections.length, 2);
  const closes = await Promise.all(followers.map((p) => p.evaluate(() => window.log.filter((e) => e.t === 'close' && e.reason?.includes('SecurityError')).length)));
  assert.deepEqual(closes, [0, 0], 'no attempt failed on a URL');
  assert.deepEqual(h.pageErrors, []);
});

test('two URL providers under two keys: two connections, each page hears only its endpoint; share: true with a provider is a TypeError naming share', async () => {
  await newContext();
  const a = await providerPages(2, 'a', `${h.bed.wsUrl}?ep=a`);
  const b = await providerPages(2, 'b', `${h.bed.wsUrl}?ep=b`);
  for (const page of [...a, ...b]) await untilOpen(page);
  await untilStats((s) => s.connections.length === 2, 'two connections');
  await a[1].evaluate(() => window.ws.send('for-a'));
  await b[1].evaluate(() => window.ws.send('for-b'));
  await untilHeard(a, 'for-a');
  await untilHeard(b, 'for-b');
  for (const page of a) assert.equal(await page.evaluate(() => window.count('message', 'for-b')), 0, 'no cross-talk into a');
  for (const page of b) assert.equal(await page.evaluate(() => window.count('message', 'for-a')), 0, 'no cross-talk into b');
  const received = (await stats()).connections.map((c) => c.received).sort();
  assert.deepEqual(received, [['for-a'], ['for-b']]);
  const refused = await a[0].evaluate(() =>
    [true, ''].map((share) => {
      try {
        new window.ReconnectingWebSocket(() => 'wss://example.com/', [], { share });
        return 'accepted';
      } catch (error) {
        return `${error.name}: ${error.message}`;
      }
    }),
  );
  for (const text of refused) assert.match(text, /^TypeError: .*"share".*key/);
  assert.deepEqual(h.pageErrors, []);
});

test('churn: 5 pages sending every 10 ms while the leading page is closed 8 times: every accepted message of the pages still open reaches the server or is reported by drop', async () => {
  await newContext();
  const url = `${h.bed.wsUrl}?token=churn`;
  const start = async (tag) => {
    const [page] = await providerPages(1, 'churn', url);
    await page.evaluate((tag) => {
      window.sent = [];
      window.timer = setInterval(() => {
        const text = `${tag}-${window.sent.length}`;
        if (window.ws.send(text) !== undefined) window.sent.push(text);
      }, 10);
    }, tag);
    return page;
  };
  const pages = [];
  for (let i = 0; i < 5; i++) pages.push(await start(`p${i}`));
  for (const page of pages) await untilOpen(page);
  let next = 5;
  for (let round = 0; round < 8; round++) {
    const leader = await leaderIndex(pages);
    const [gone] = pages.splice(leader, 1);
    await gone.close();
    pages.push(await start(`p${next++}`));
    await untilStats((s) => s.live === 1 && s.connections.at(-1).open, 'a new connection');
    for (const page of pages) await untilOpen(page);
  }
  // Stop sending, let everything settle, then count.
  for (const page of pages) await page.evaluate(() => clearInterval(window.timer));
  const tally = async () => {
    const all = (await stats()).connections.flatMap((c) => c.received);
    let accepted = 0;
    let lost = 0;
    let duplicates = 0;
    let dropped = 0;
    for (const page of pages) {
      const { sent, drops } = await page.evaluate(() => ({ sent: window.sent, drops: window.log.filter((e) => e.t === 'drop').map((e) => e.data) }));
      accepted += sent.length;
      dropped += drops.length;
      const counts = new Map();
      for (const text of all) counts.set(text, (counts.get(text) ?? 0) + 1);
      for (const text of sent) {
        const n = counts.get(text) ?? 0;
        if (n === 0 && !drops.includes(text)) lost++;
        if (n > 1) duplicates += n - 1;
      }
    }
    return { accepted, lost, duplicates, dropped };
  };
  let result;
  await until(async () => (result = await tally()).lost === 0, 'every message of the open pages accounted for').catch(() => {});
  console.log(`# churn: ${JSON.stringify(result)}`);
  // Firefox runs a background tab's 10 ms interval about once a second: fewer sends there.
  assert.ok(result.accepted > (BROWSER === 'firefox' ? 80 : 200), `enough traffic: ${result.accepted}`);
  assert.equal(result.lost, 0, `nothing lost: ${JSON.stringify(result)}`);
  // Each page's messages reached the server in its order (by first arrival).
  const all = (await stats()).connections.flatMap((c) => c.received);
  for (const page of pages) {
    const sent = await page.evaluate(() => window.sent);
    const firsts = all.filter((t, i) => sent.includes(t) && all.indexOf(t) === i);
    assertOnceInOrder(firsts, sent, 'first arrivals');
  }
  assert.deepEqual(h.pageErrors, []);
});

/** Resolves once `check()` is truthy (bounded by WAIT); rejects otherwise. */
async function until(check, what) {
  const deadline = Date.now() + WAIT;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('another page posts a forged leader, forged server messages, acks and closes, and junk on the channel: nothing is dispatched, nothing stalls or is lost, stats.shareIgnored counts it', async () => {
  await newContext();
  const url = `${h.bed.wsUrl}?token=forge`;
  const pages = await providerPages(3, 'forge', url);
  for (const page of pages) await untilOpen(page);
  // The group's name as the lock manager shows it (it carries the channel's version).
  const { held } = await pages[0].evaluate(() => navigator.locks.query());
  const name = held.map((l) => l.name).find((n) => /^rebound-ws\/\d+:forge:provider:$/.test(n));
  assert.ok(name, `the leader's lock: ${JSON.stringify(held)}`);
  const forger = await newPage();
  const tabs = await Promise.all(pages.map((p) => p.evaluate(() => window.ws.stats.shareIgnored)));
  assert.deepEqual(tabs, [0, 0, 0]);
  await forger.evaluate((name) => {
    const channel = new BroadcastChannel(name);
    const hub = 'forged-hub';
    for (const message of [
      { t: 'leader', hub, term: Number.MAX_SAFE_INTEGER },
      { t: 'message', data: 'evil-1' },
      { t: 'message', hub, data: 'evil-2' },
      { t: 'close', hub, code: 4000, reason: 'forged', wasClean: true, term: 1e15 },
      { t: 'ack', hub, to: 'anyone', seq: 1e12 },
      { t: 'open', hub, to: 'x', conn: 1, epoch: 1, url: 'wss://evil/', protocol: '' },
      42,
      null,
      'junk',
      { t: 'send' },
      { t: 'ids', ids: 'many' },
      { t: 'hello', tab: 'x', conn: 1, options: '', ids: -1 },
      { t: 'nonsense', hub },
    ])
      channel.postMessage(message);
  }, name);
  // The pages keep working: sends made now arrive once, in order; nothing forged is dispatched.
  for (const [i, page] of pages.entries()) {
    await page.evaluate((i) => {
      for (let j = 0; j < 20; j++) window.ws.send(`after-forge-${i}-${j}`);
    }, i);
  }
  await untilStats((s) => s.connections[0].received.length === 60, 'the 60 sends after the forgery');
  const received = (await stats()).connections[0].received;
  for (let i = 0; i < 3; i++) assertOnceInOrder(received, Array.from({ length: 20 }, (_, j) => `after-forge-${i}-${j}`), `page ${i}`);
  for (const page of pages) {
    assert.equal(await page.evaluate(() => window.ws.state), 'open');
    assert.equal(await page.evaluate(() => window.log.filter((e) => e.t === 'message' && String(e.data).startsWith('evil')).length), 0, 'nothing forged dispatched');
    assert.equal(await page.evaluate(() => window.log.filter((e) => e.t === 'close').length), 0, 'no link closed');
    assert.ok((await page.evaluate(() => window.ws.stats.shareIgnored)) >= 5, 'the forged and malformed messages are counted');
  }
  assert.equal((await stats()).connections.length, 1);
  assert.deepEqual(h.pageErrors, []);
});

test('the clock stepped back an hour in every page, then the leading page closes: one new connection, nothing sent meanwhile lost', async () => {
  await newContext();
  const step = () => {
    const now = Date.now.bind(Date);
    Date.now = () => now() - 3_600_000;
  };
  const pages = [];
  for (let i = 0; i < 3; i++) {
    const page = await newPage(step);
    await page.evaluate(() => window.make(true, '/ws'));
    pages.push(page);
  }
  for (const page of pages) await untilOpen(page);
  // Step again after the start (a clock correction while the tabs run).
  for (const page of pages) await page.evaluate(() => {
    const now = Date.now;
    Date.now = () => now() - 3_600_000;
  });
  const leader = await leaderIndex(pages);
  const followers = pages.filter((_, i) => i !== leader);
  const readies = await Promise.all(followers.map((p) => p.evaluate(() => window.count('ready'))));
  await pages[leader].close();
  for (const [i, page] of followers.entries()) {
    await page.evaluate((i) => {
      for (let j = 0; j < 10; j++) window.ws.send(`during-${i}-${j}`);
    }, i);
  }
  await untilStats((s) => s.connections.length === 2 && s.live === 1, 'one new connection');
  for (const [i, page] of followers.entries()) await untilOpen(page, readies[i]);
  await untilStats((s) => s.connections[1].received.length >= 20, 'the sends made during the failover');
  const all = (await stats()).connections.flatMap((c) => c.received);
  for (let i = 0; i < 2; i++) assertOnceInOrder(all, Array.from({ length: 10 }, (_, j) => `during-${i}-${j}`), `follower ${i}`);
  assert.deepEqual(h.pageErrors, []);
});

test('a sandboxed frame (opaque origin, where Web Locks refuse): its own socket, with a warning; echo works', async () => {
  await newContext();
  const page = await newPage();
  const html = FRAME_HTML.replace('${BASE}', h.bed.base);
  await page.setContent(html.replace('<script>', '<script>window.base = 1;'));
  await page.waitForFunction(() => window.frameSaid, null, { timeout: WAIT });
  const said = await page.evaluate(() => window.frameSaid);
  assert.equal(said.origin, 'null');
  assert.equal(said.echo, 'from-the-frame');
  assert.equal(said.warnings.filter((w) => w.includes('opaque')).length, 1, JSON.stringify(said));
  assert.equal((await stats()).connections.length, 1);
});

for (const wire of WIRES) {
  test(`a tab of an earlier release (wire ${wire}) beside tabs of this one, on one origin: they never meet — two sockets, both work`, async () => {
    await newContext();
    const old = await newPage(undefined, `old-${wire}.html`);
    await old.evaluate(() => window.make(true, '/ws'));
    await untilOpen(old);
    const fresh = [await newPage(), await newPage()];
    for (const page of fresh) await page.evaluate(() => window.make(true, '/ws'));
    for (const page of fresh) await untilOpen(page);
    await untilStats((s) => s.connections.length === 2, 'one socket per release');
    await old.evaluate(() => window.ws.send('from-old'));
    await fresh[1].evaluate(() => window.ws.send('from-new'));
    await untilHeard([old], 'from-old');
    await untilHeard(fresh, 'from-new');
    assert.equal(await old.evaluate(() => window.count('message', 'from-new')), 0);
    for (const page of fresh) assert.equal(await page.evaluate(() => window.count('message', 'from-old')), 0);
    for (const page of fresh) assert.equal(await page.evaluate(() => window.ws.stats.shareIgnored), 0, 'the old wire never reaches this release');
    const received = (await stats()).connections.map((c) => c.received).sort();
    assert.deepEqual(received, [['from-new'], ['from-old']]);
    assert.deepEqual(h.pageErrors, []);
  });
}

test('the server closes the shared socket: the leading page counts down, the other pages wait at it, and all open again on one new connection', async () => {
  await newContext();
  const options = { minReconnectionDelay: 1500, maxReconnectionDelay: 1500, jitter: 'none' };
  const pages = [];
  for (let i = 0; i < 3; i++) {
    const page = await newPage();
    await page.evaluate((o) => window.make('countdown', '/ws', o), options);
    pages.push(page);
  }
  for (const page of pages) await untilOpen(page);
  const leader = await leaderIndex(pages);
  const readies = await Promise.all(pages.map((p) => p.evaluate(() => window.count('ready'))));
  await h.bed.control('close', { code: 1012, reason: 'restart' });
  // The leading page's instance is a member too: it relinks at once and waits at the hub,
  // as the others do, while the hub's own socket counts down.
  for (const [i, page] of pages.entries()) await untilOpen(page, readies[i]);
  await untilStats((s) => s.connections.length === 2 && s.live === 1, 'one new connection');
  const states = await Promise.all(pages.map((p) => p.evaluate(() => window.log.filter((e) => e.t === 'statechange').map((e) => e.state))));
  for (const [i, seen] of states.entries()) assert.ok(seen.includes('connecting'), `page ${i}${i === leader ? ' (leading)' : ''} waited at the hub: ${seen}`);
  assert.deepEqual(h.pageErrors, []);
});

test("the leading page closes with 16 MB of sends on its socket and the server not reading: what was still counted in the socket's bufferedAmount is sent again by the next leader", async () => {
  await newContext();
  const pages = [await newPage(), await newPage()];
  for (const page of pages) await page.evaluate(() => window.make('buffered', '/ws'));
  for (const page of pages) await untilOpen(page);
  const leader = await leaderIndex(pages);
  const follower = pages[1 - leader];
  const readies = await follower.evaluate(() => window.count('ready'));
  await h.bed.control('blackhole', { ms: 3000 }); // it keeps the connection but reads nothing
  const COUNT = 64;
  await follower.evaluate((n) => {
    const pad = 'x'.repeat(256 * 1024); // 16 MB in all: more than the kernel buffers take
    for (let i = 0; i < n; i++) window.ws.send(`big-${i}-${pad}`);
  }, COUNT);
  // Until the follower's sends are on the leading page's socket.
  await new Promise((r) => setTimeout(r, 1000));
  await pages[leader].close();
  await untilStats((s) => s.connections.length === 2 && s.connections[1].open, 'a new connection');
  await untilOpen(follower, readies);
  const expected = Array.from({ length: COUNT }, (_, i) => `big-${i}`);
  const label = (t) => t.slice(0, t.indexOf('-', 4));
  const arrived = async () => (await stats()).connections.map((c) => c.received.map(label));
  await until(async () => (await arrived())[1].includes(`big-${COUNT - 1}`), 'the replay reaches the new connection');
  await new Promise((r) => setTimeout(r, 2500)); // the old connection's last bytes, if any, after the blackhole
  const [old, fresh] = await arrived();
  const all = [...old, ...fresh];
  const missing = expected.filter((m) => !all.includes(m));
  console.log(`# 64 × 256 KB, leader closed, server not reading: ${old.length} on the old connection, ${fresh.length} sent again, ${missing.length} lost (${missing.join(', ')})`);
  // What the browser had taken off the socket's buffer (into its network stack and the
  // kernel's) more than ACK_SETTLE_MS (1 s) before the tab went can die with it:
  // bufferedAmount is all a page can see. The rest — here most of the 16 MB, and all of it
  // when nothing had left the buffer a second before (a loaded machine) — was never
  // acknowledged and is sent again, in order.
  const firstReplayed = expected.indexOf(fresh[0]);
  assert.ok(firstReplayed >= 0 && firstReplayed <= COUNT / 2, `the replay starts where the acknowledged sends end: ${fresh[0]}`);
  assert.deepEqual(fresh, expected.slice(firstReplayed), 'everything from there on, once, in order');
  assert.deepEqual(missing, expected.slice(old.length, firstReplayed), 'only sends the browser had taken off the buffer are missing');
  assert.deepEqual(h.pageErrors, []);
});

test('where the browser refuses Web Locks (a rejected request) or BroadcastChannel (a throwing constructor), the tab opens a socket of its own, says so once, and works', async () => {
  await newContext();
  const refusals = [
    () => {
      LockManager.prototype.request = () => Promise.reject(new DOMException('The request was denied.', 'SecurityError'));
    },
    () => {
      window.BroadcastChannel = function BroadcastChannel() {
        throw new DOMException('denied', 'SecurityError');
      };
    },
  ];
  for (const [i, refuse] of refusals.entries()) {
    const page = await newPage(refuse);
    await page.evaluate(() => {
      window.make(true, '/ws');
      window.second = new window.ReconnectingWebSocket('/ws', [], { share: true }); // the same tab: shares the tab's socket
    });
    await untilOpen(page);
    await page.waitForFunction(() => window.second.readyState === 1, null, { timeout: WAIT });
    await page.evaluate((i) => window.ws.send(`refused-${i}`), i);
    await untilHeard([page], `refused-${i}`);
    const warnings = await page.evaluate(() => window.warnings.filter((w) => w.includes('refused')));
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    await untilStats((s) => s.connections.length === i + 1, `one socket for page ${i}'s two instances`);
  }
  assert.deepEqual(h.pageErrors, []);
});
