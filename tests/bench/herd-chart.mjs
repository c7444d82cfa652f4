// Renders the herd simulator's timeline (attempts per 100 ms, one column per policy) as a
// PNG line chart, drawn as SVG and photographed by headless Chromium (no plotting library).
import { launchChromium } from '../support/chromium.mjs';

const COLORS = ['#1a7f37', '#8250df', '#0969da', '#bf8700', '#cf222e', '#57606a'];
const WIDTH = 960;
const HEIGHT = 420;
const PAD = { left: 56, right: 16, top: 44, bottom: 44 };
const Y_MAX = 600; // phoenix.js's lockstep spikes (10,000) are clipped
const T_MAX = 50; // seconds after the drop

export async function renderHerdChart(csv, pngPath) {
  const [header, ...lines] = csv.trim().split('\n');
  const columns = header.split(',').slice(1);
  const rows = lines.map((l) => l.split(',').map(Number)).filter((r) => r[0] <= T_MAX);
  // rebound-hint draws exactly over rebound here (the server never needs a hint): one line.
  const shown = columns.map((name, i) => ({ name, i })).filter(({ name }) => name !== 'rebound-hint');
  const label = (name) => (name === 'rebound' && columns.includes('rebound-hint') ? 'rebound (= rebound-hint)' : name);
  const x = (t) => PAD.left + (t / T_MAX) * (WIDTH - PAD.left - PAD.right);
  const y = (v) => HEIGHT - PAD.bottom - (Math.min(v, Y_MAX) / Y_MAX) * (HEIGHT - PAD.top - PAD.bottom);
  // Peers first, Rebound last so it is drawn on top.
  const series = [...shown]
    .reverse()
    .map(({ i }, k) => {
      const points = rows.map((r) => `${x(r[0]).toFixed(1)},${y(r[i + 1]).toFixed(1)}`).join(' ');
      const color = COLORS[shown.findIndex((s) => s.i === i) % COLORS.length];
      return `<polyline fill="none" stroke="${color}" stroke-width="${i === 0 ? 2.6 : 1.2}" points="${points}"/>`;
    })
    .join('');
  const legend = shown
    .map(({ name }, k) => `<text x="${PAD.left + 10 + (k % 3) * 230}" y="${14 + Math.floor(k / 3) * 15}" fill="${COLORS[k % COLORS.length]}" font-weight="600">${label(name)}</text>`)
    .join('');
  const ticks = [0, 10, 20, 30, 40, 50]
    .map((t) => `<text x="${x(t)}" y="${HEIGHT - PAD.bottom + 18}" text-anchor="middle">${t} s</text>`)
    .join('');
  const yTicks = [0, 200, 400, 600]
    .map((v) => `<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(v)}" y2="${y(v)}" stroke="#d0d7de"/><text x="${PAD.left - 6}" y="${y(v) + 4}" text-anchor="end">${v}</text>`)
    .join('');
  const back = `<line x1="${x(10)}" x2="${x(10)}" y1="${PAD.top}" y2="${HEIGHT - PAD.bottom}" stroke="#57606a" stroke-dasharray="4 3"/><text x="${x(10) + 4}" y="${PAD.top + 12}">server back (2,000 handshakes/s)</text>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">
    <rect width="100%" height="100%" fill="white"/>${yTicks}${back}${series}${legend}${ticks}
    <text x="${WIDTH / 2}" y="${HEIGHT - 8}" text-anchor="middle">time since 10,000 clients lost the server (attempts per 100 ms; clipped at ${Y_MAX})</text>
  </svg>`;
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: WIDTH, height: HEIGHT } });
  await page.setContent(`<body style="margin:0">${svg}</body>`);
  await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width: WIDTH, height: HEIGHT } });
  await browser.close();
}
